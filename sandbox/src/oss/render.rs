//! OSS's wire formats: the error document (and its base64 copy in `x-oss-err` for HEAD), the XML bodies the
//! simulator reads (CORS, Block Public Access, CreateBucketConfiguration, Delete) and writes (listings, ACLs,
//! bucket info, DeleteResult).

use super::signature::uri_encode;
use super::state::{SimBucket, SimCors, SimCorsRule, SimObject};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use md5::{Digest, Md5};
use serde::Deserialize;
use std::fmt::Write as _;

/// An error answer under construction. `ec` may be empty when OSS documents none for the case.
#[derive(Debug, Clone)]
pub(crate) struct OssError {
    pub(crate) status: u16,
    pub(crate) code: &'static str,
    pub(crate) message: String,
    pub(crate) ec: &'static str,
    pub(crate) extra: Vec<(&'static str, String)>,
}

impl OssError {
    pub(crate) fn new(status: u16, code: &'static str, message: impl Into<String>, ec: &'static str) -> Self {
        Self { status, code, message: message.into(), ec, extra: Vec::new() }
    }

    pub(crate) fn with(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.extra.push((name, value.into()));
        self
    }

    /// The `<Error>` document OSS sends.
    pub(crate) fn xml(&self, request_id: &str, host: &str) -> String {
        let mut body = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>\n");
        let _ = writeln!(body, "  <Code>{}</Code>", self.code);
        let _ = writeln!(body, "  <Message>{}</Message>", xml_escape(&self.message));
        let _ = writeln!(body, "  <RequestId>{request_id}</RequestId>");
        let _ = writeln!(body, "  <HostId>{}</HostId>", xml_escape(host));
        for (name, value) in &self.extra {
            let _ = writeln!(body, "  <{name}>{}</{name}>", xml_escape(value));
        }
        if !self.ec.is_empty() {
            let _ = writeln!(body, "  <EC>{}</EC>", self.ec);
            let _ = writeln!(body, "  <RecommendDoc>https://api.aliyun.com/troubleshoot?q={}</RecommendDoc>", self.ec);
        }
        body.push_str("</Error>\n");
        body
    }
}

/// `x-oss-err`: the error document, base64, sent instead of a body on HEAD (field-truth §2.3).
pub(crate) fn x_oss_err(xml: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(xml.as_bytes())
}

pub(crate) fn xml_escape(text: &str) -> String {
    quick_xml::escape::partial_escape(text).into_owned()
}

pub(crate) fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S.000Z").to_string()
}

pub(crate) fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

pub(crate) fn base64_md5(body: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Md5::digest(body))
}

/// Glob with at most one `*`, as OSS matches CORS origins and headers.
pub(crate) fn glob(pattern: &str, text: &str, case_insensitive: bool) -> bool {
    let (p, t) = if case_insensitive {
        (pattern.to_ascii_lowercase(), text.to_ascii_lowercase())
    } else {
        (pattern.to_string(), text.to_string())
    };
    match p.split_once('*') {
        None => p == t,
        Some((prefix, suffix)) => {
            t.len() >= prefix.len() + suffix.len() && t.starts_with(prefix) && t.ends_with(suffix)
        }
    }
}

pub(crate) fn malformed(what: &str) -> OssError {
    OssError::new(
        400,
        "MalformedXML",
        format!("The XML you provided was not well-formed or did not validate: {what}"),
        "0016-00000903",
    )
}

pub(crate) fn parse_body<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, OssError> {
    let text = std::str::from_utf8(body).map_err(|_| malformed("not UTF-8"))?;
    quick_xml::de::from_str(text).map_err(|e| malformed(&e.to_string()))
}

#[derive(Deserialize)]
#[serde(rename = "PublicAccessBlockConfiguration")]
struct BpaXml {
    #[serde(rename = "BlockPublicAccess")]
    block_public_access: bool,
}

pub(crate) fn parse_bpa(body: &[u8]) -> Result<bool, OssError> {
    parse_body::<BpaXml>(body).map(|b| b.block_public_access)
}

pub(crate) fn bpa_xml(block: bool) -> String {
    format!(
        "<PublicAccessBlockConfiguration><BlockPublicAccess>{block}</BlockPublicAccess></PublicAccessBlockConfiguration>"
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct CreateConfigXml {
    #[serde(rename = "StorageClass")]
    pub(crate) storage_class: Option<String>,
    #[serde(rename = "DataRedundancyType")]
    pub(crate) redundancy: Option<String>,
}

pub(crate) fn parse_create_config(body: &[u8]) -> Result<CreateConfigXml, OssError> {
    if body.is_empty() {
        return Ok(CreateConfigXml::default());
    }
    let config: CreateConfigXml = parse_body(body)?;
    if let Some(c) = &config.storage_class
        && !matches!(c.as_str(), "Standard" | "IA" | "Archive" | "ColdArchive" | "DeepColdArchive")
    {
        return Err(OssError::new(400, "InvalidArgument", format!("Invalid storage class {c}"), "0015-00000205"));
    }
    if let Some(r) = &config.redundancy
        && !matches!(r.as_str(), "LRS" | "ZRS")
    {
        return Err(OssError::new(
            400,
            "InvalidArgument",
            format!("Invalid data redundancy type {r}"),
            "0015-00000206",
        ));
    }
    Ok(config)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CorsRuleXml {
    #[serde(rename = "AllowedOrigin")]
    allowed_origins: Vec<String>,
    #[serde(rename = "AllowedMethod")]
    allowed_methods: Vec<String>,
    #[serde(rename = "AllowedHeader")]
    allowed_headers: Vec<String>,
    #[serde(rename = "ExposeHeader")]
    expose_headers: Vec<String>,
    #[serde(rename = "MaxAgeSeconds")]
    max_age_seconds: Option<u32>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CorsXml {
    #[serde(rename = "CORSRule")]
    rules: Vec<CorsRuleXml>,
    #[serde(rename = "ResponseVary")]
    response_vary: Option<bool>,
}

/// PutBucketCors's body, with OSS's limits (16 KB, 10 rules, one `*` per origin/header, methods from the
/// documented five).
pub(crate) fn parse_cors(body: &[u8]) -> Result<SimCors, OssError> {
    if body.len() > 16 * 1024 {
        return Err(OssError::new(400, "EntityTooLarge", "The CORS configuration exceeds 16 KB.", "0015-00000601"));
    }
    let doc: CorsXml = parse_body(body)?;
    let invalid = |m: String| OssError::new(400, "InvalidArgument", m, "0015-00000602");
    if doc.rules.is_empty() {
        return Err(malformed("no CORSRule"));
    }
    if doc.rules.len() > 10 {
        return Err(invalid("too many CORS rules (at most 10)".into()));
    }
    let mut rules = Vec::new();
    for r in doc.rules {
        if r.allowed_origins.is_empty() || r.allowed_methods.is_empty() {
            return Err(malformed("a CORSRule needs AllowedOrigin and AllowedMethod"));
        }
        if let Some(m) =
            r.allowed_methods.iter().find(|m| !matches!(m.as_str(), "GET" | "PUT" | "DELETE" | "POST" | "HEAD"))
        {
            return Err(invalid(format!("Unsupported method {m} in CORS config")));
        }
        if r.allowed_origins.iter().chain(&r.allowed_headers).any(|v| v.matches('*').count() > 1) {
            return Err(invalid("at most one wildcard is allowed in AllowedOrigin and AllowedHeader".into()));
        }
        if r.expose_headers.iter().any(|h| h.contains('*')) {
            return Err(invalid("ExposeHeader must not contain a wildcard".into()));
        }
        rules.push(SimCorsRule {
            allowed_origins: r.allowed_origins,
            allowed_methods: r.allowed_methods,
            allowed_headers: r.allowed_headers,
            expose_headers: r.expose_headers,
            max_age_seconds: r.max_age_seconds,
        });
    }
    Ok(SimCors { rules, response_vary: doc.response_vary.unwrap_or(false) })
}

pub(crate) fn cors_xml(cors: &SimCors) -> String {
    let mut xml = String::from("<CORSConfiguration>");
    for rule in &cors.rules {
        xml.push_str("<CORSRule>");
        for (tag, values) in [
            ("AllowedOrigin", &rule.allowed_origins),
            ("AllowedMethod", &rule.allowed_methods),
            ("AllowedHeader", &rule.allowed_headers),
            ("ExposeHeader", &rule.expose_headers),
        ] {
            for v in values {
                let _ = write!(xml, "<{tag}>{}</{tag}>", xml_escape(v));
            }
        }
        if let Some(age) = rule.max_age_seconds {
            let _ = write!(xml, "<MaxAgeSeconds>{age}</MaxAgeSeconds>");
        }
        xml.push_str("</CORSRule>");
    }
    let _ = write!(xml, "<ResponseVary>{}</ResponseVary></CORSConfiguration>", cors.response_vary);
    xml
}

/// `<AccessControlPolicy>` for GetBucketAcl / GetObjectAcl.
pub(crate) fn acl_xml(owner: &str, grant: &str) -> String {
    format!(
        "<AccessControlPolicy><Owner><ID>{owner}</ID><DisplayName>{owner}</DisplayName></Owner><AccessControlList><Grant>{grant}</Grant></AccessControlList></AccessControlPolicy>"
    )
}

/// The parameters of ListObjects (V1) and ListObjectsV2, already validated.
#[derive(Debug, Clone, Default)]
pub(crate) struct ListParams {
    pub(crate) v2: bool,
    pub(crate) prefix: String,
    pub(crate) delimiter: String,
    /// V1 `marker`; V2 the decoded `continuation-token`, else `start-after`.
    pub(crate) after: String,
    pub(crate) marker: String,
    pub(crate) start_after: Option<String>,
    pub(crate) continuation_token: Option<String>,
    pub(crate) max_keys: usize,
    pub(crate) url_encoded: bool,
    pub(crate) fetch_owner: bool,
}

/// One listing entry: an object or a common prefix.
enum Entry<'a> {
    Object(&'a str, &'a SimObject),
    Prefix(String),
}

/// Continuation tokens are opaque to clients: the base64 of the last key or prefix returned.
pub(crate) fn encode_token(after: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(after.as_bytes())
}

pub(crate) fn decode_token(token: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token.as_bytes()).ok()?;
    String::from_utf8(bytes).ok()
}

/// Renders a ListBucketResult page (OSS ListObjects / ListObjectsV2 API reference): keys after `after` under
/// `prefix`, grouped into `CommonPrefixes` by `delimiter` (a group counts once towards `max-keys`).
pub(crate) fn list_objects_xml(bucket: &SimBucket, p: &ListParams) -> String {
    let enc = |s: &str| if p.url_encoded { uri_encode(s, false) } else { xml_escape(s) };
    let mut entries: Vec<Entry> = Vec::new();
    let mut truncated = false;
    for (key, object) in
        bucket.objects.range::<String, _>((std::ops::Bound::Excluded(p.after.clone()), std::ops::Bound::Unbounded))
    {
        if !key.starts_with(&p.prefix) {
            continue;
        }
        let entry = match (p.delimiter.is_empty(), key[p.prefix.len()..].find(&p.delimiter)) {
            (false, Some(i)) => {
                let common = key[..p.prefix.len() + i + p.delimiter.len()].to_string();
                // A group already returned (on this page or as the marker of an earlier one) is skipped.
                if common.as_str() <= p.after.as_str()
                    || matches!(entries.last(), Some(Entry::Prefix(last)) if *last == common)
                {
                    continue;
                }
                Entry::Prefix(common)
            }
            _ => Entry::Object(key, object),
        };
        if entries.len() == p.max_keys {
            truncated = true;
            break;
        }
        entries.push(entry);
    }
    let last = entries.last().map(|e| match e {
        Entry::Object(k, _) => k.to_string(),
        Entry::Prefix(c) => c.clone(),
    });
    let mut xml = format!("<ListBucketResult><Name>{}</Name><Prefix>{}</Prefix>", bucket.name, enc(&p.prefix));
    if p.v2 {
        if let Some(t) = &p.continuation_token {
            let _ = write!(xml, "<ContinuationToken>{}</ContinuationToken>", xml_escape(t));
        }
        if let Some(s) = &p.start_after {
            let _ = write!(xml, "<StartAfter>{}</StartAfter>", enc(s));
        }
    } else {
        let _ = write!(xml, "<Marker>{}</Marker>", enc(&p.marker));
    }
    let _ = write!(xml, "<MaxKeys>{}</MaxKeys><Delimiter>{}</Delimiter>", p.max_keys, enc(&p.delimiter));
    if p.url_encoded {
        xml.push_str("<EncodingType>url</EncodingType>");
    }
    let _ = write!(xml, "<IsTruncated>{truncated}</IsTruncated>");
    if truncated && let Some(last) = &last {
        if p.v2 {
            let _ = write!(xml, "<NextContinuationToken>{}</NextContinuationToken>", encode_token(last));
        } else {
            let _ = write!(xml, "<NextMarker>{}</NextMarker>", enc(last));
        }
    }
    if p.v2 {
        let _ = write!(xml, "<KeyCount>{}</KeyCount>", entries.len());
    }
    for entry in &entries {
        if let Entry::Object(k, o) = entry {
            let _ = write!(
                xml,
                "<Contents><Key>{}</Key><LastModified>{}</LastModified><ETag>{}</ETag><Type>Normal</Type><Size>{}</Size><StorageClass>{}</StorageClass>",
                enc(k),
                iso(o.last_modified),
                xml_escape(&o.etag),
                o.body.len(),
                bucket.storage_class,
            );
            if !p.v2 || p.fetch_owner {
                let _ = write!(xml, "<Owner><ID>{0}</ID><DisplayName>{0}</DisplayName></Owner>", bucket.owner);
            }
            xml.push_str("</Contents>");
        }
    }
    for entry in &entries {
        if let Entry::Prefix(c) = entry {
            let _ = write!(xml, "<CommonPrefixes><Prefix>{}</Prefix></CommonPrefixes>", enc(c));
        }
    }
    xml.push_str("</ListBucketResult>");
    xml
}

#[derive(Deserialize)]
struct DeleteObjectXml {
    #[serde(rename = "Key")]
    key: String,
}

#[derive(Deserialize)]
#[serde(rename = "Delete")]
struct DeleteXml {
    #[serde(rename = "Quiet", default)]
    quiet: Option<bool>,
    #[serde(rename = "Object", default)]
    objects: Vec<DeleteObjectXml>,
}

/// DeleteMultipleObjects's `<Delete>` body: (quiet, keys). At most 1,000 keys (OSS API reference).
pub(crate) fn parse_delete(body: &[u8]) -> Result<(bool, Vec<String>), OssError> {
    let doc: DeleteXml = parse_body(body)?;
    if doc.objects.is_empty() {
        return Err(malformed("no Object in Delete"));
    }
    if doc.objects.len() > 1000 {
        return Err(malformed("more than 1000 objects in Delete"));
    }
    Ok((doc.quiet.unwrap_or(false), doc.objects.into_iter().map(|o| o.key).collect()))
}

/// `<DeleteResult>`: every key in verbose mode, none in quiet mode (OSS reports only failures when quiet, and
/// deleting a missing key is not a failure).
pub(crate) fn delete_result_xml(quiet: bool, keys: &[String], url_encoded: bool) -> String {
    let mut xml = String::from("<DeleteResult>");
    if url_encoded {
        xml.push_str("<EncodingType>url</EncodingType>");
    }
    if !quiet {
        for k in keys {
            let key = if url_encoded { uri_encode(k, false) } else { xml_escape(k) };
            let _ = write!(xml, "<Deleted><Key>{key}</Key></Deleted>");
        }
    }
    xml.push_str("</DeleteResult>");
    xml
}
