//! Routing: the `Host` decides the endpoint (native `oss-<region>` or S3-compatible `s3.oss-<region>`, public or
//! `-internal`) and the bucket; the method, the scope (service, bucket, object) and the sub-resource pick the
//! operation from one explicit table, [`ROUTES`]. A request that matches no row is refused with OSS's answer
//! for an unsupported operation (405 `MethodNotAllowed`) before anything is read or written: there is no
//! fall-through from an unknown sub-resource to an object or bucket operation.

use super::render::OssError;
use super::signature::decode_component;
use super::state::valid_bucket_name;
use crate::SimRequest;

/// What a request is about, after routing by host and path.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) bucket: Option<String>,
    pub(crate) key: Option<String>,
    /// Decoded query pairs, in order.
    pub(crate) query: Vec<(String, String)>,
    /// The host without port.
    pub(crate) host: String,
    /// An `-internal` endpoint (not subject to the mainland default-endpoint rule).
    pub(crate) internal: bool,
}

impl Target {
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        self.query.iter().any(|(k, _)| k == name)
    }

    pub(crate) fn scope(&self) -> Scope {
        match (&self.bucket, &self.key) {
            (None, _) => Scope::Service,
            (Some(_), None) => Scope::Bucket,
            (Some(_), Some(_)) => Scope::Object,
        }
    }

    /// The operation-selecting sub-resources present in the query.
    pub(crate) fn sub_resources(&self) -> Vec<&str> {
        let mut subs: Vec<&str> =
            self.query.iter().map(|(k, _)| k.as_str()).filter(|k| OPERATION_SUB_RESOURCES.contains(k)).collect();
        subs.sort_unstable();
        subs.dedup();
        subs
    }
}

/// Service (no bucket), bucket or object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    Service,
    Bucket,
    Object,
}

/// Query keys that name an operation (OSS API reference; the V1 sub-resource list of aliyun-oss-ram.md §1.1
/// minus the ones that only modify an operation, such as `versionId`, `response-*` or `security-token`).
pub(crate) const OPERATION_SUB_RESOURCES: &[&str] = &[
    "accessPoint",
    "acl",
    "append",
    "asyncFetch",
    "bucketInfo",
    "cname",
    "comp",
    "cors",
    "delete",
    "encryption",
    "httpsConfig",
    "inventory",
    "lifecycle",
    "live",
    "location",
    "logging",
    "metaQuery",
    "objectMeta",
    "policy",
    "publicAccessBlock",
    "qos",
    "qosInfo",
    "referer",
    "replication",
    "requestPayment",
    "resourceGroup",
    "restore",
    "stat",
    "style",
    "symlink",
    "tagging",
    "transferAcceleration",
    "uploadId",
    "uploads",
    "versioning",
    "versions",
    "website",
    "worm",
    "x-oss-process",
];

/// The operations the simulator serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    ListBuckets,
    PutAccountBpa,
    GetAccountBpa,
    DeleteAccountBpa,
    PutBucket,
    HeadBucket,
    GetBucketInfo,
    GetBucketLocation,
    ListObjects,
    DeleteBucket,
    PutBucketAcl,
    GetBucketAcl,
    PutBucketCors,
    GetBucketCors,
    DeleteBucketCors,
    PutBucketBpa,
    GetBucketBpa,
    DeleteBucketBpa,
    DeleteMultipleObjects,
    PutObject,
    GetObject,
    HeadObject,
    GetObjectMeta,
    DeleteObject,
    PutObjectAcl,
    GetObjectAcl,
}

/// The routing table: (method, scope, sub-resource, operation). Nothing else is served.
pub(crate) const ROUTES: &[(&str, Scope, Option<&str>, Op)] = &[
    ("GET", Scope::Service, None, Op::ListBuckets),
    ("PUT", Scope::Service, Some("publicAccessBlock"), Op::PutAccountBpa),
    ("GET", Scope::Service, Some("publicAccessBlock"), Op::GetAccountBpa),
    ("DELETE", Scope::Service, Some("publicAccessBlock"), Op::DeleteAccountBpa),
    ("PUT", Scope::Bucket, None, Op::PutBucket),
    ("HEAD", Scope::Bucket, None, Op::HeadBucket),
    ("GET", Scope::Bucket, None, Op::ListObjects),
    ("DELETE", Scope::Bucket, None, Op::DeleteBucket),
    ("GET", Scope::Bucket, Some("bucketInfo"), Op::GetBucketInfo),
    ("GET", Scope::Bucket, Some("location"), Op::GetBucketLocation),
    ("PUT", Scope::Bucket, Some("acl"), Op::PutBucketAcl),
    ("GET", Scope::Bucket, Some("acl"), Op::GetBucketAcl),
    ("PUT", Scope::Bucket, Some("cors"), Op::PutBucketCors),
    ("GET", Scope::Bucket, Some("cors"), Op::GetBucketCors),
    ("DELETE", Scope::Bucket, Some("cors"), Op::DeleteBucketCors),
    ("PUT", Scope::Bucket, Some("publicAccessBlock"), Op::PutBucketBpa),
    ("GET", Scope::Bucket, Some("publicAccessBlock"), Op::GetBucketBpa),
    ("DELETE", Scope::Bucket, Some("publicAccessBlock"), Op::DeleteBucketBpa),
    ("POST", Scope::Bucket, Some("delete"), Op::DeleteMultipleObjects),
    ("PUT", Scope::Object, None, Op::PutObject),
    ("GET", Scope::Object, None, Op::GetObject),
    ("HEAD", Scope::Object, None, Op::HeadObject),
    ("HEAD", Scope::Object, Some("objectMeta"), Op::GetObjectMeta),
    ("DELETE", Scope::Object, None, Op::DeleteObject),
    ("PUT", Scope::Object, Some("acl"), Op::PutObjectAcl),
    ("GET", Scope::Object, Some("acl"), Op::GetObjectAcl),
];

/// Looks `(method, scope, sub-resources)` up in [`ROUTES`]; more than one operation sub-resource matches
/// nothing.
pub(crate) fn lookup(method: &str, scope: Scope, subs: &[&str]) -> Option<Op> {
    let sub = match subs {
        [] => None,
        [one] => Some(*one),
        _ => return None,
    };
    ROUTES.iter().find(|(m, s, r, _)| *m == method && *s == scope && *r == sub).map(|(_, _, _, op)| *op)
}

impl Op {
    /// The RAM action checked for the operation (OSS RAM action reference).
    pub(crate) fn action(self) -> &'static str {
        match self {
            Op::ListBuckets => "oss:ListBuckets",
            Op::PutAccountBpa => "oss:PutPublicAccessBlock",
            Op::GetAccountBpa => "oss:GetPublicAccessBlock",
            Op::DeleteAccountBpa => "oss:DeletePublicAccessBlock",
            Op::PutBucket => "oss:PutBucket",
            Op::HeadBucket | Op::GetBucketInfo => "oss:GetBucketInfo",
            Op::GetBucketLocation => "oss:GetBucketLocation",
            Op::ListObjects => "oss:ListObjects",
            Op::DeleteBucket => "oss:DeleteBucket",
            Op::PutBucketAcl => "oss:PutBucketAcl",
            Op::GetBucketAcl => "oss:GetBucketAcl",
            Op::PutBucketCors => "oss:PutBucketCors",
            Op::GetBucketCors => "oss:GetBucketCors",
            Op::DeleteBucketCors => "oss:DeleteBucketCors",
            Op::PutBucketBpa => "oss:PutBucketPublicAccessBlock",
            Op::GetBucketBpa => "oss:GetBucketPublicAccessBlock",
            Op::DeleteBucketBpa => "oss:DeleteBucketPublicAccessBlock",
            Op::PutObject => "oss:PutObject",
            Op::GetObject | Op::HeadObject | Op::GetObjectMeta => "oss:GetObject",
            // DeleteMultipleObjects is authorised per key as oss:DeleteObject.
            Op::DeleteObject | Op::DeleteMultipleObjects => "oss:DeleteObject",
            Op::PutObjectAcl => "oss:PutObjectAcl",
            Op::GetObjectAcl => "oss:GetObjectAcl",
        }
    }

    /// A data API operation (upload, download, …) in the sense of the mainland default-endpoint rule
    /// (field-truth §2.2): object operations and batch delete, not bucket management.
    pub(crate) fn is_data(self) -> bool {
        matches!(
            self,
            Op::PutObject
                | Op::GetObject
                | Op::HeadObject
                | Op::GetObjectMeta
                | Op::DeleteObject
                | Op::PutObjectAcl
                | Op::GetObjectAcl
                | Op::DeleteMultipleObjects
        )
    }
}

/// OSS's answer for a method or sub-resource it does not serve on this resource.
pub(crate) fn unsupported(method: &str, scope: Scope) -> OssError {
    OssError::new(
        405,
        "MethodNotAllowed",
        "The specified method is not allowed against this resource.",
        "0016-00000002",
    )
    .with("ResourceType", if scope == Scope::Object { "Object" } else { "Bucket" })
    .with("Method", method)
}

/// Whether a region id is in the Chinese mainland (every `cn-*` region but Hong Kong).
pub(crate) fn is_mainland(region: &str) -> bool {
    region.starts_with("cn-") && region != "cn-hongkong"
}

/// Routes by `Host` (port stripped): `[<bucket>.][s3.]oss-<region>[-internal].aliyuncs.com`. Path style is
/// refused (`SecondLevelDomainForbidden`), other regions' or unknown hosts get OSS's "must be addressed using
/// the specified endpoint".
pub(crate) fn route(request: &SimRequest, region: &str) -> Result<Target, OssError> {
    let host = request.host().unwrap_or_default().to_ascii_lowercase();
    let endpoints = [
        // The S3-compatible endpoint Aliyun documents for AWS SDKs first (field-truth §2.1): `<b>.s3.oss-…`
        // also ends with `.oss-…`.
        (format!("s3.oss-{region}.aliyuncs.com"), false),
        (format!("s3.oss-{region}-internal.aliyuncs.com"), true),
        (format!("oss-{region}.aliyuncs.com"), false),
        (format!("oss-{region}-internal.aliyuncs.com"), true),
    ];
    let mut found = None;
    for (endpoint, internal) in &endpoints {
        if host == *endpoint {
            found = Some((None, *internal));
            break;
        }
        if let Some(prefix) = host.strip_suffix(&format!(".{endpoint}")) {
            found = Some((Some(prefix.to_string()), *internal));
            break;
        }
    }
    let Some((bucket, internal)) = found else {
        return Err(OssError::new(
            403,
            "AccessDenied",
            "The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.",
            "0003-00001403",
        )
        .with("Endpoint", format!("oss-{region}.aliyuncs.com")));
    };
    let raw_path = request.path().strip_prefix('/').unwrap_or(request.path());
    let Some(key) = decode_component(raw_path, false) else {
        return Err(OssError::new(400, "InvalidObjectName", "The object name is not valid UTF-8.", "0016-00000005"));
    };
    if bucket.is_none() && !key.is_empty() {
        return Err(OssError::new(
            403,
            "SecondLevelDomainForbidden",
            "Please use virtual hosted style to access.",
            "0003-00000401",
        ));
    }
    if let Some(b) = &bucket
        && !valid_bucket_name(b)
    {
        return Err(OssError::new(400, "InvalidBucketName", "The specified bucket is not valid.", "0015-00000101")
            .with("BucketName", b.clone()));
    }
    let mut query = Vec::new();
    for pair in request.query().unwrap_or_default().split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match (decode_component(k, true), decode_component(v, true)) {
            (Some(k), Some(v)) => query.push((k, v)),
            _ => {
                return Err(OssError::new(
                    400,
                    "InvalidArgument",
                    "The query string is not valid UTF-8.",
                    "0016-00000001",
                ));
            }
        }
    }
    Ok(Target { bucket, key: (!key.is_empty()).then_some(key), query, host, internal })
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Method;

    #[test]
    fn routing_by_host() {
        let r = SimRequest::new(Method::GET, "/a%20b+c?acl", &[("host", "b1-x.oss-cn-hangzhou.aliyuncs.com:1234")], "");
        let t = route(&r, "cn-hangzhou").unwrap();
        assert_eq!((t.bucket.as_deref(), t.key.as_deref()), (Some("b1-x"), Some("a b+c")));
        assert_eq!(t.query, vec![("acl".to_string(), String::new())]);
        let s3 = SimRequest::new(Method::GET, "/k", &[("host", "b1-x.s3.oss-cn-hangzhou.aliyuncs.com:9")], "");
        let t = route(&s3, "cn-hangzhou").unwrap();
        assert_eq!((t.bucket.as_deref(), t.internal), (Some("b1-x"), false));
        let internal =
            SimRequest::new(Method::GET, "/k", &[("host", "b1-x.oss-cn-hangzhou-internal.aliyuncs.com")], "");
        assert!(route(&internal, "cn-hangzhou").unwrap().internal);
        let s3_service = SimRequest::new(Method::GET, "/", &[("host", "s3.oss-cn-hangzhou.aliyuncs.com")], "");
        assert_eq!(route(&s3_service, "cn-hangzhou").unwrap().bucket, None);
        let path_style = SimRequest::new(Method::GET, "/b1-x/k", &[("host", "s3.oss-cn-hangzhou.aliyuncs.com")], "");
        assert!(route(&path_style, "cn-hangzhou").is_err_and(|e| e.code == "SecondLevelDomainForbidden"));
        let bad = SimRequest::new(Method::GET, "/", &[("host", "Bad_Name.oss-cn-hangzhou.aliyuncs.com")], "");
        assert!(route(&bad, "cn-hangzhou").is_err_and(|e| e.code == "InvalidBucketName"));
        let elsewhere = SimRequest::new(Method::GET, "/", &[("host", "b1-x.oss-cn-beijing.aliyuncs.com")], "");
        assert!(route(&elsewhere, "cn-hangzhou").is_err_and(|e| e.code == "AccessDenied"));
    }

    #[test]
    fn the_table_has_no_duplicates_and_unknown_sub_resources_match_nothing() {
        for (i, a) in ROUTES.iter().enumerate() {
            for b in &ROUTES[i + 1..] {
                assert!(!(a.0 == b.0 && a.1 == b.1 && a.2 == b.2), "duplicate route {a:?}");
            }
        }
        assert_eq!(lookup("PUT", Scope::Object, &["acl"]), Some(Op::PutObjectAcl));
        assert_eq!(lookup("PUT", Scope::Object, &["tagging"]), None);
        assert_eq!(lookup("DELETE", Scope::Bucket, &["lifecycle"]), None);
        assert_eq!(lookup("GET", Scope::Bucket, &["policy"]), None);
        assert_eq!(lookup("PUT", Scope::Bucket, &["acl", "cors"]), None);
        assert!(is_mainland("cn-hangzhou") && !is_mainland("cn-hongkong") && !is_mainland("ap-southeast-1"));
    }
}
