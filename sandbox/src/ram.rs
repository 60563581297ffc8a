//! The ram simulator.
