//! vercel-client
