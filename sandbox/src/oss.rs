//! The oss simulator.
