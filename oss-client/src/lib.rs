//! oss-client
