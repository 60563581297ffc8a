//! One handler per operation of the routing table, run after authentication and authorisation: the dispatch and
//! the bucket operations here, object reads in `object`, CORS in `cors`.

mod cors;
mod object;

use cors::with_cors_headers;

use super::render::{
    self, ListParams, OssError, acl_xml, base64_md5, bpa_xml, cors_xml, iso, list_objects_xml, parse_bpa, parse_cors,
    parse_create_config, xml_escape,
};
use super::routes::{Op, Target};
use super::state::{OssState, SimBucket, new_bucket, new_object};
use super::{MAX_BUCKETS, OssSimulator};
use crate::server::lock;
use crate::{SimRequest, SimResponse};
use chrono::{DateTime, Utc};
use std::fmt::Write as _;

fn public_acl_blocked() -> OssError {
    OssError::new(403, "AccessDenied", "Put public bucket acl is not allowed.", "0003-00000905")
}

fn no_such_key(key: &str) -> OssError {
    OssError::new(404, "NoSuchKey", "The specified key does not exist.", "0026-00000001").with("Key", key)
}

/// The object ACL a request asks for: `x-oss-object-acl`, or on the S3 path `x-amz-acl` (header, or query
/// parameter of a presigned URL, as LobeHub sends it with `S3_SET_ACL=1`, field-truth §1.5).
fn requested_object_acl(request: &SimRequest, target: &Target) -> Option<String> {
    request.header("x-oss-object-acl").or(request.header("x-amz-acl")).or(target.param("x-amz-acl")).map(str::to_string)
}

fn check_object_acl(acl: &str, blocked: bool) -> Result<(), OssError> {
    if !matches!(acl, "default" | "private" | "public-read" | "public-read-write") {
        return Err(OssError::new(
            400,
            "InvalidArgument",
            format!("no such object access control exists: {acl}"),
            "0016-00000204",
        ));
    }
    if acl.starts_with("public") && blocked {
        return Err(OssError::new(403, "AccessDenied", "Put public object acl is not allowed.", "0003-00000905"));
    }
    Ok(())
}

/// ListObjects (V1) / ListObjectsV2 parameters (OSS API reference): `max-keys` 1–1000 (default 100),
/// `encoding-type` only `url`.
fn list_params(target: &Target) -> Result<ListParams, OssError> {
    let invalid = |m: &str| OssError::new(400, "InvalidArgument", m, "0016-00000001");
    let v2 = match target.param("list-type") {
        None => false,
        Some("2") => true,
        Some(_) => return Err(invalid("list-type must be 2.")),
    };
    let max_keys = match target.param("max-keys") {
        None => 100,
        Some(m) => match m.parse::<usize>() {
            Ok(n) if (1..=1000).contains(&n) => n,
            _ => return Err(invalid("max-keys must be an integer between 1 and 1000.")),
        },
    };
    let url_encoded = match target.param("encoding-type") {
        None => false,
        Some(e) if e.eq_ignore_ascii_case("url") => true,
        Some(_) => return Err(invalid("encoding-type must be url.")),
    };
    let prefix = target.param("prefix").unwrap_or_default().to_string();
    let delimiter = target.param("delimiter").unwrap_or_default().to_string();
    let mut p = ListParams { v2, prefix, delimiter, max_keys, url_encoded, ..ListParams::default() };
    if v2 {
        p.start_after = target.param("start-after").map(str::to_string);
        p.continuation_token = target.param("continuation-token").map(str::to_string);
        p.fetch_owner = target.param("fetch-owner") == Some("true");
        p.after = match &p.continuation_token {
            Some(t) => {
                render::decode_token(t).ok_or_else(|| invalid("The continuation token provided is incorrect."))?
            }
            None => p.start_after.clone().unwrap_or_default(),
        };
    } else {
        p.marker = target.param("marker").unwrap_or_default().to_string();
        p.after = p.marker.clone();
    }
    Ok(p)
}

impl OssSimulator {
    pub(super) fn dispatch(
        &self,
        op: Op,
        request: &SimRequest,
        target: &Target,
        request_id: &str,
    ) -> Result<SimResponse, OssError> {
        if let Some(md5) = request.header("content-md5")
            && md5 != base64_md5(&request.body)
        {
            return Err(OssError::new(
                400,
                "InvalidDigest",
                "The Content-MD5 you specified is not valid.",
                "0016-00000912",
            ));
        }
        let account = self.identity.account_id();
        let now = self.now();
        let mut state = lock(&self.state);
        match op {
            Op::ListBuckets => return Ok(self.list_buckets(&state, target, request_id)),
            Op::PutAccountBpa => {
                state.account_block_public_access = Some(parse_bpa(&request.body)?);
                return Ok(self.ok(request_id, 200));
            }
            Op::GetAccountBpa => {
                let block = state.account_block_public_access.unwrap_or(false);
                return Ok(self.ok_xml(request_id, bpa_xml(block)));
            }
            Op::DeleteAccountBpa => {
                state.account_block_public_access = None;
                return Ok(self.ok(request_id, 204));
            }
            _ => {}
        }
        let name = target.bucket.clone().unwrap_or_default();
        if state.foreign.contains(&name) {
            if op == Op::PutBucket {
                return Err(OssError::new(
                    409,
                    "BucketAlreadyExists",
                    "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.",
                    "0015-00000104",
                )
                .with("BucketName", name));
            }
            return Err(OssError::new(
                403,
                "AccessDenied",
                "You have no right to access this bucket.",
                "0003-00000001",
            ));
        }
        if op == Op::PutBucket {
            return self.put_bucket(&mut state, request, &name, &account, now, request_id);
        }
        let blocked = {
            let Some(bucket) = state.buckets.get(&name) else {
                return Err(OssError::new(
                    404,
                    "NoSuchBucket",
                    "The specified bucket does not exist.",
                    "0015-00000101",
                )
                .with("BucketName", name));
            };
            state.effective_bpa(bucket)
        };
        let Some(bucket) = state.buckets.get_mut(&name) else {
            return Err(OssError::new(404, "NoSuchBucket", "The specified bucket does not exist.", "0015-00000101"));
        };
        let key = target.key.clone().unwrap_or_default();
        match op {
            Op::HeadBucket => Ok(self.ok(request_id, 200).with_header("x-oss-bucket-region", &self.region)),
            Op::GetBucketInfo => Ok(self.ok_xml(request_id, self.bucket_info_xml(bucket))),
            Op::GetBucketLocation => {
                Ok(self.ok_xml(request_id, format!("<LocationConstraint>oss-{}</LocationConstraint>", self.region)))
            }
            Op::ListObjects => Ok(self.ok_xml(request_id, list_objects_xml(bucket, &list_params(target)?))),
            Op::DeleteBucket => {
                if !bucket.objects.is_empty() {
                    return Err(OssError::new(
                        409,
                        "BucketNotEmpty",
                        "The bucket you tried to delete is not empty.",
                        "0015-00000301",
                    )
                    .with("BucketName", name));
                }
                state.buckets.remove(&name);
                Ok(self.ok(request_id, 204))
            }
            Op::PutBucketAcl => {
                let acl = request.header("x-oss-acl").or(request.header("x-amz-acl")).unwrap_or_default();
                if !matches!(acl, "private" | "public-read" | "public-read-write") {
                    return Err(OssError::new(
                        400,
                        "InvalidArgument",
                        format!("no such bucket access control exists: {acl}"),
                        "0015-00000204",
                    ));
                }
                if acl != "private" && blocked {
                    return Err(public_acl_blocked());
                }
                bucket.acl = acl.to_string();
                Ok(self.ok(request_id, 200))
            }
            Op::GetBucketAcl => Ok(self.ok_xml(request_id, acl_xml(&bucket.owner, &bucket.acl))),
            Op::PutBucketCors => {
                bucket.cors = Some(parse_cors(&request.body)?);
                Ok(self.ok(request_id, 200))
            }
            Op::GetBucketCors => match &bucket.cors {
                Some(cors) => Ok(self.ok_xml(request_id, cors_xml(cors))),
                None => Err(OssError::new(
                    404,
                    "NoSuchCORSConfiguration",
                    "The CORS Configuration does not exist.",
                    "0015-00000401",
                )
                .with("BucketName", name)),
            },
            Op::DeleteBucketCors => {
                bucket.cors = None;
                Ok(self.ok(request_id, 204))
            }
            Op::PutBucketBpa => {
                bucket.block_public_access = parse_bpa(&request.body)?;
                Ok(self.ok(request_id, 200))
            }
            Op::GetBucketBpa => Ok(self.ok_xml(request_id, bpa_xml(bucket.block_public_access))),
            Op::DeleteBucketBpa => {
                bucket.block_public_access = false;
                Ok(self.ok(request_id, 204))
            }
            Op::DeleteMultipleObjects => {
                // Content-MD5 is required (OSS DeleteMultipleObjects reference; without it OSS answers
                // MissingArgument, seen through the S3 API in stormkit-io/stormkit-io#142).
                if request.header("content-md5").is_none() {
                    return Err(OssError::new(
                        400,
                        "MissingArgument",
                        "Missing Some Required Arguments.",
                        "0016-00000502",
                    )
                    .with("ArgumentName", "Content-MD5"));
                }
                let (quiet, keys) = render::parse_delete(&request.body)?;
                for k in &keys {
                    bucket.objects.remove(k);
                }
                let url = target.param("encoding-type").is_some_and(|e| e.eq_ignore_ascii_case("url"));
                Ok(self.ok_xml(request_id, render::delete_result_xml(quiet, &keys, url)))
            }
            Op::PutObject => {
                let acl = requested_object_acl(request, target).unwrap_or_else(|| "default".into());
                check_object_acl(&acl, blocked)?;
                if request.header("x-oss-forbid-overwrite") == Some("true") && bucket.objects.contains_key(&key) {
                    return Err(OssError::new(
                        409,
                        "FileAlreadyExists",
                        "The object you specified already exists and can not be overwritten.",
                        "0016-00000708",
                    ));
                }
                let content_type = request.header("content-type").unwrap_or("application/octet-stream");
                let mut object = new_object(request.body.clone(), content_type, now);
                object.acl = acl;
                object.cache_control = request.header("cache-control").map(str::to_string);
                object.content_disposition = request.header("content-disposition").map(str::to_string);
                for (name, value) in &request.headers {
                    let n = name.as_str();
                    let short = n.strip_prefix("x-oss-meta-").or(n.strip_prefix("x-amz-meta-"));
                    if let (Some(short), Ok(v)) = (short, value.to_str()) {
                        object.metadata.insert(short.to_string(), v.to_string());
                    }
                }
                let etag = object.etag.clone();
                bucket.objects.insert(key, object);
                let response = self
                    .ok(request_id, 200)
                    .with_header("etag", etag)
                    .with_header("content-md5", base64_md5(&request.body));
                Ok(with_cors_headers(response, bucket, request))
            }
            Op::GetObject | Op::HeadObject | Op::GetObjectMeta => {
                let object = bucket.objects.get(&key).ok_or_else(|| no_such_key(&key))?;
                let response = self.get_object(op, request, target, object, &bucket.storage_class, request_id)?;
                Ok(with_cors_headers(response, bucket, request))
            }
            Op::DeleteObject => {
                bucket.objects.remove(&key);
                Ok(self.ok(request_id, 204))
            }
            Op::PutObjectAcl => {
                let acl = requested_object_acl(request, target).unwrap_or_default();
                check_object_acl(&acl, blocked)?;
                let object = bucket.objects.get_mut(&key).ok_or_else(|| no_such_key(&key))?;
                object.acl = acl;
                Ok(self.ok(request_id, 200))
            }
            Op::GetObjectAcl => {
                let object = bucket.objects.get(&key).ok_or_else(|| no_such_key(&key))?;
                Ok(self.ok_xml(request_id, acl_xml(&bucket.owner, &object.acl)))
            }
            Op::ListBuckets | Op::PutAccountBpa | Op::GetAccountBpa | Op::DeleteAccountBpa | Op::PutBucket => {
                Err(OssError::new(500, "InternalError", "unreachable route", "0000-00000000"))
            }
        }
    }

    fn put_bucket(
        &self,
        state: &mut OssState,
        request: &SimRequest,
        name: &str,
        account: &str,
        now: DateTime<Utc>,
        request_id: &str,
    ) -> Result<SimResponse, OssError> {
        let acl = request.header("x-oss-acl").or(request.header("x-amz-acl")).map(str::to_string);
        if let Some(a) = &acl
            && !matches!(a.as_str(), "private" | "public-read" | "public-read-write")
        {
            return Err(OssError::new(
                400,
                "InvalidArgument",
                format!("no such bucket access control exists: {a}"),
                "0015-00000204",
            ));
        }
        let config = parse_create_config(&request.body)?;
        let exists = state.buckets.contains_key(name);
        if !exists && state.buckets.len() >= MAX_BUCKETS {
            return Err(OssError::new(
                400,
                "TooManyBuckets",
                "You have attempted to create more buckets than allowed.",
                "0015-00000102",
            ));
        }
        let account_bpa = state.account_block_public_access.unwrap_or(false);
        let bucket_bpa = state.buckets.get(name).is_none_or(|b| b.block_public_access);
        if let Some(a) = &acl
            && a != "private"
            && (account_bpa || bucket_bpa)
        {
            return Err(public_acl_blocked());
        }
        let bucket = state.buckets.entry(name.to_string()).or_insert_with(|| new_bucket(name, account, now));
        if let Some(a) = acl {
            bucket.acl = a;
        }
        if !exists {
            if let Some(class) = config.storage_class {
                bucket.storage_class = class;
            }
            if let Some(r) = config.redundancy {
                bucket.redundancy = r;
            }
            if let Some(rg) = request.header("x-oss-resource-group-id") {
                bucket.resource_group_id = rg.to_string();
            }
        }
        Ok(self.ok(request_id, 200).with_header("location", format!("/{name}")))
    }

    fn list_buckets(&self, state: &OssState, target: &Target, request_id: &str) -> SimResponse {
        let prefix = target.param("prefix").unwrap_or_default();
        let marker = target.param("marker").unwrap_or_default();
        let max_keys: usize = target.param("max-keys").and_then(|m| m.parse().ok()).unwrap_or(100).clamp(1, 1000);
        let matching: Vec<&SimBucket> =
            state.buckets.values().filter(|b| b.name.starts_with(prefix) && b.name.as_str() > marker).collect();
        let truncated = matching.len() > max_keys;
        let page = &matching[..matching.len().min(max_keys)];
        let account = self.identity.account_id();
        let mut xml = String::from("<ListAllMyBucketsResult>");
        if truncated {
            let next = page.last().map(|b| b.name.as_str()).unwrap_or_default();
            let _ = write!(
                xml,
                "<Prefix>{}</Prefix><Marker>{}</Marker><MaxKeys>{max_keys}</MaxKeys><IsTruncated>true</IsTruncated><NextMarker>{next}</NextMarker>",
                xml_escape(prefix),
                xml_escape(marker)
            );
        }
        let _ = write!(xml, "<Owner><ID>{account}</ID><DisplayName>{account}</DisplayName></Owner><Buckets>");
        for b in page {
            let _ = write!(
                xml,
                "<Bucket><CreationDate>{}</CreationDate><ExtranetEndpoint>{host}</ExtranetEndpoint><IntranetEndpoint>oss-{region}-internal.aliyuncs.com</IntranetEndpoint><Location>oss-{region}</Location><Name>{}</Name><Region>{region}</Region><StorageClass>{}</StorageClass><ResourceGroupId>{}</ResourceGroupId></Bucket>",
                iso(b.created),
                b.name,
                b.storage_class,
                xml_escape(&b.resource_group_id),
                host = self.endpoint_host,
                region = self.region
            );
        }
        xml.push_str("</Buckets></ListAllMyBucketsResult>");
        self.ok_xml(request_id, xml)
    }

    fn bucket_info_xml(&self, b: &SimBucket) -> String {
        format!(
            "<BucketInfo><Bucket><AccessMonitor>Disabled</AccessMonitor><CreationDate>{created}</CreationDate><CrossRegionReplication>Disabled</CrossRegionReplication><DataRedundancyType>{red}</DataRedundancyType><ExtranetEndpoint>{host}</ExtranetEndpoint><IntranetEndpoint>oss-{region}-internal.aliyuncs.com</IntranetEndpoint><Location>oss-{region}</Location><Name>{name}</Name><ResourceGroupId>{rg}</ResourceGroupId><StorageClass>{class}</StorageClass><TransferAcceleration>Disabled</TransferAcceleration><Owner><DisplayName>{owner}</DisplayName><ID>{owner}</ID></Owner><AccessControlList><Grant>{acl}</Grant></AccessControlList><ServerSideEncryptionRule><SSEAlgorithm>None</SSEAlgorithm></ServerSideEncryptionRule><BucketPolicy><LogBucket></LogBucket><LogPrefix></LogPrefix></BucketPolicy><BlockPublicAccess>{bpa}</BlockPublicAccess></Bucket></BucketInfo>",
            created = iso(b.created),
            red = b.redundancy,
            host = self.endpoint_host,
            region = self.region,
            name = b.name,
            rg = xml_escape(&b.resource_group_id),
            class = b.storage_class,
            owner = b.owner,
            acl = b.acl,
            bpa = b.block_public_access
        )
    }
}
