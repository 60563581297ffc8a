//! Aliyun RAM (Resource Access Management): users, access keys and policies over the RPC API.
