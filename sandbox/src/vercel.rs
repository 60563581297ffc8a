//! The vercel simulator.
