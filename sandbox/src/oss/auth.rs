//! Who is calling and whether they may: authentication of the three signature schemes OSS accepts (V1, V4 and,
//! on the S3-compatible path, AWS SigV4) in the header or the query, the 15-minute skew window, unknown or
//! inactive keys, V1 refused for new accounts; then authorisation — RAM policies for a key's principal, bucket and
//! object ACLs for anonymous requests. The signatures themselves are computed in [`super::signature`] and
//! [`super::sigv4`].

use super::render::{self, OssError, iso};
use super::routes::{Op, Target};
use super::signature::{same_signature, v1, v4};
use super::{EC_V1_DISABLED, MAX_SKEW, OssSimulator, sigv4};
use crate::SimRequest;
use crate::aliyun_identity::{KeyStatus, Principal};
use crate::server::lock;
use chrono::{DateTime, NaiveDateTime, Utc};
use sha2::{Digest, Sha256};

/// Who signed the request.
pub(crate) enum Caller {
    Anonymous,
    Principal(Principal),
}

impl OssSimulator {
    fn resource(&self, bucket: Option<&str>, key: Option<&str>) -> String {
        let account = self.identity.account_id();
        match (bucket, key) {
            (None, _) => format!("acs:oss:*:{account}:*"),
            (Some(b), None) => format!("acs:oss:*:{account}:{b}"),
            (Some(b), Some(k)) => format!("acs:oss:*:{account}:{b}/{k}"),
        }
    }

    pub(super) fn authorize(
        &self,
        caller: &Caller,
        op: Op,
        request: &SimRequest,
        target: &Target,
    ) -> Result<(), OssError> {
        let principal = match caller {
            Caller::Anonymous => return self.anonymous_allowed(op, target),
            Caller::Principal(p) => p,
        };
        let denied = |resource: String| {
            OssError::new(
                403,
                "AccessDenied",
                format!("You are not authorized to do this action ({}). You should be authorized by RAM.", op.action()),
                "0003-00000301",
            )
            .with("AuthAction", op.action())
            .with("AuthResource", resource)
        };
        let bucket = target.bucket.as_deref();
        if op == Op::DeleteMultipleObjects {
            // Each key needs oss:DeleteObject on its object (a malformed body is the handler's error).
            if let Ok((_, keys)) = render::parse_delete(&request.body) {
                for key in keys {
                    let resource = self.resource(bucket, Some(&key));
                    if !self.identity.authorize(principal, op.action(), &resource) {
                        return Err(denied(resource));
                    }
                }
            }
            return Ok(());
        }
        let resource = self.resource(bucket, target.key.as_deref());
        if !self.identity.authorize(principal, op.action(), &resource) {
            return Err(denied(resource));
        }
        Ok(())
    }

    /// An anonymous caller may read objects in a public bucket and write in a public-read-write one, while
    /// Block Public Access is off; a bucket that does not exist is 404 `NoSuchBucket` (field-truth §2.3).
    fn anonymous_allowed(&self, op: Op, target: &Target) -> Result<(), OssError> {
        let denied = || {
            OssError::new(
                403,
                "AccessDenied",
                "You have no right to access this object because of bucket acl.",
                "0003-00000001",
            )
        };
        let state = lock(&self.state);
        let Some(name) = &target.bucket else { return Err(denied()) };
        let Some(bucket) = state.buckets.get(name) else {
            if state.foreign.contains(name) {
                return Err(denied());
            }
            return Err(OssError::new(404, "NoSuchBucket", "The specified bucket does not exist.", "0015-00000101")
                .with("BucketName", name.clone()));
        };
        if state.effective_bpa(bucket) {
            return Err(denied());
        }
        let acl = match target.key.as_ref().and_then(|k| bucket.objects.get(k)).map(|o| o.acl.as_str()) {
            Some(a) if a != "default" => a,
            _ => bucket.acl.as_str(),
        };
        let allowed = match op {
            Op::GetObject | Op::HeadObject | Op::GetObjectMeta => acl == "public-read" || acl == "public-read-write",
            Op::PutObject | Op::DeleteObject => bucket.acl == "public-read-write",
            _ => false,
        };
        if allowed { Ok(()) } else { Err(denied()) }
    }

    fn check_skew(&self, signed_at: DateTime<Utc>) -> Result<(), OssError> {
        let now = self.now();
        if (now - signed_at).abs() > MAX_SKEW {
            return Err(OssError::new(
                403,
                "RequestTimeTooSkewed",
                "The difference between the request time and the current time is too large.",
                "0002-00000504",
            )
            .with("RequestTime", iso(signed_at))
            .with("ServerTime", iso(now))
            .with("MaxAllowedSkewMilliseconds", "900000"));
        }
        Ok(())
    }

    fn principal_for(&self, access_key_id: &str) -> Result<(Principal, String), OssError> {
        let Some(record) = self.identity.lookup_key(access_key_id) else {
            return Err(OssError::new(
                403,
                "InvalidAccessKeyId",
                "The OSS Access Key Id you provided does not exist in our records.",
                "0002-00000902",
            )
            .with("OSSAccessKeyId", access_key_id));
        };
        if record.status == KeyStatus::Inactive {
            return Err(OssError::new(
                403,
                "InvalidAccessKeyId",
                "The OSS Access Key Id you provided is disabled.",
                "0002-00000901",
            )
            .with("OSSAccessKeyId", access_key_id));
        }
        Ok((record.principal, record.secret))
    }

    fn v1_refused(&self) -> Result<(), OssError> {
        if lock(&self.state).v1_allowed {
            return Ok(());
        }
        Err(OssError::new(
            403,
            "AccessDenied",
            "OSS no longer supports V1 signatures for this account. Please use the V4 signature.",
            EC_V1_DISABLED,
        ))
    }

    fn mismatch(string_to_sign: &str, provided: &str, access_key_id: &str, canonical: Option<&str>) -> OssError {
        let mut e = OssError::new(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
            "0002-00000040",
        )
        .with("OSSAccessKeyId", access_key_id)
        .with("SignatureProvided", provided)
        .with("StringToSign", string_to_sign)
        .with("StringToSignBytes", string_to_sign.bytes().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" "));
        if let Some(c) = canonical {
            e = e.with("CanonicalRequest", c);
        }
        e
    }

    /// Identifies the caller from whichever signature the request carries (aliyun-oss-ram.md §1; S3 SigV4 on
    /// either endpoint), or anonymous.
    pub(super) fn authenticate(&self, request: &SimRequest, target: &Target) -> Result<Caller, OssError> {
        let invalid = |m: &str| OssError::new(400, "InvalidArgument", m, "0002-00000003");
        let method = request.method.as_str();
        let (bucket, key) = (target.bucket.as_deref(), target.key.as_deref());
        let presigned = target.has("Signature") || target.has("x-oss-signature") || target.has("X-Amz-Signature");
        if let Some(authorization) = request.header("authorization") {
            if presigned {
                return Err(invalid("Authorization header and query-string authentication used together."));
            }
            if authorization.starts_with(sigv4::ALGORITHM) {
                return self.authenticate_sigv4(request, target, Some(authorization));
            }
            if authorization.starts_with(v4::ALGORITHM) {
                let parsed = v4::parse_authorization(authorization)
                    .ok_or_else(|| invalid("Authorization header is invalid."))?;
                let c = &parsed.credential;
                let (principal, secret) = self.principal_for(&c.access_key_id)?;
                if c.region != self.region {
                    return Err(invalid("Invalid signing region in Authorization header."));
                }
                let datetime = request
                    .header("x-oss-date")
                    .ok_or_else(|| OssError::new(403, "AccessDenied", "Missing x-oss-date header.", "0002-00000012"))?;
                let signed_at = NaiveDateTime::parse_from_str(datetime, "%Y%m%dT%H%M%SZ")
                    .map_err(|_| OssError::new(403, "AccessDenied", "Invalid x-oss-date header.", "0002-00000012"))?
                    .and_utc();
                match request.header("x-oss-content-sha256") {
                    Some("UNSIGNED-PAYLOAD") => {}
                    Some(_) => {
                        return Err(OssError::new(
                            400,
                            "InvalidArgument",
                            "x-oss-content-sha256 must be UNSIGNED-PAYLOAD.",
                            "0002-00000214",
                        ));
                    }
                    None => return Err(invalid("Missing required header x-oss-content-sha256.")),
                }
                self.check_skew(signed_at)?;
                let requested: Vec<&str> = parsed.additional_headers.iter().map(String::as_str).collect();
                let additional = v4::additional_headers(&request.headers, &requested);
                let canonical =
                    v4::canonical_request(method, bucket, key, &target.query, &request.headers, &additional);
                let sts = v4::string_to_sign(datetime, &v4::scope(&c.date, &c.region), &canonical);
                if !same_signature(&v4::signature(&secret, &c.date, &c.region, &sts), &parsed.signature) {
                    return Err(Self::mismatch(&sts, &parsed.signature, &c.access_key_id, Some(&canonical)));
                }
                return Ok(Caller::Principal(principal));
            }
            let (ak, provided) =
                v1::parse_authorization(authorization).ok_or_else(|| invalid("Authorization header is invalid."))?;
            let (principal, secret) = self.principal_for(&ak)?;
            self.v1_refused()?;
            let date_line = request
                .header("x-oss-date")
                .or(request.header("date"))
                .ok_or_else(|| OssError::new(403, "AccessDenied", "Missing Date header.", "0002-00000012"))?;
            let signed_at = DateTime::parse_from_rfc2822(date_line)
                .map_err(|_| OssError::new(403, "AccessDenied", "Invalid Date header.", "0002-00000012"))?
                .with_timezone(&Utc);
            self.check_skew(signed_at)?;
            let sts = v1::string_to_sign(method, &request.headers, bucket, key, &target.query, date_line);
            if !same_signature(&v1::signature(&secret, &sts), &provided) {
                return Err(Self::mismatch(&sts, &provided, &ak, None));
            }
            return Ok(Caller::Principal(principal));
        }
        if target.has("X-Amz-Signature") || target.has("X-Amz-Algorithm") || target.has("X-Amz-Credential") {
            return self.authenticate_sigv4(request, target, None);
        }
        if let Some(provided) = target.param("x-oss-signature") {
            let credential = target.param("x-oss-credential").ok_or_else(|| invalid("Missing x-oss-credential."))?;
            let c = v4::parse_credential(credential).ok_or_else(|| invalid("Invalid x-oss-credential."))?;
            let (principal, secret) = self.principal_for(&c.access_key_id)?;
            if c.region != self.region {
                return Err(invalid("Invalid signing region in x-oss-credential."));
            }
            let datetime = target.param("x-oss-date").ok_or_else(|| invalid("Missing x-oss-date."))?;
            let signed_at = NaiveDateTime::parse_from_str(datetime, "%Y%m%dT%H%M%SZ")
                .map_err(|_| invalid("Invalid x-oss-date."))?
                .and_utc();
            let expires: i64 = target
                .param("x-oss-expires")
                .and_then(|e| e.parse().ok())
                .ok_or_else(|| invalid("Missing or invalid x-oss-expires."))?;
            if !(1..=604_800).contains(&expires) {
                return Err(invalid("x-oss-expires must be between 1 and 604800."));
            }
            if self.now() > signed_at + chrono::Duration::seconds(expires) {
                return Err(OssError::new(403, "AccessDenied", "Request has expired.", "0002-00000069"));
            }
            let query: Vec<(String, String)> =
                target.query.iter().filter(|(k, _)| k != "x-oss-signature").cloned().collect();
            let requested: Vec<&str> =
                target.param("x-oss-additional-headers").map(|h| h.split(';').collect()).unwrap_or_default();
            let additional = v4::additional_headers(&request.headers, &requested);
            let canonical = v4::canonical_request(method, bucket, key, &query, &request.headers, &additional);
            let sts = v4::string_to_sign(datetime, &v4::scope(&c.date, &c.region), &canonical);
            if !same_signature(&v4::signature(&secret, &c.date, &c.region, &sts), provided) {
                return Err(Self::mismatch(&sts, provided, &c.access_key_id, Some(&canonical)));
            }
            return Ok(Caller::Principal(principal));
        }
        if let Some(provided) = target.param("Signature") {
            let ak = target.param("OSSAccessKeyId").ok_or_else(|| invalid("Missing OSSAccessKeyId."))?;
            let expires = target.param("Expires").ok_or_else(|| invalid("Missing Expires."))?;
            let (principal, secret) = self.principal_for(ak)?;
            self.v1_refused()?;
            let at: i64 = expires.parse().map_err(|_| invalid("Invalid Expires."))?;
            if self.now().timestamp() > at {
                return Err(OssError::new(403, "AccessDenied", "Request has expired.", "0002-00000069"));
            }
            let sts = v1::string_to_sign(method, &request.headers, bucket, key, &target.query, expires);
            if !same_signature(&v1::signature(&secret, &sts), provided) {
                return Err(Self::mismatch(&sts, provided, ak, None));
            }
            return Ok(Caller::Principal(principal));
        }
        Ok(Caller::Anonymous)
    }

    /// AWS SigV4, header (`authorization` given) or presigned.
    fn authenticate_sigv4(
        &self,
        request: &SimRequest,
        target: &Target,
        authorization: Option<&str>,
    ) -> Result<Caller, OssError> {
        let auth = match authorization {
            Some(value) => sigv4::parse_header(value, &request.headers)?,
            None => sigv4::parse_query(&target.query)?,
        };
        let payload = if auth.presigned() {
            None
        } else {
            let Some(payload) = request.header("x-amz-content-sha256") else {
                return Err(OssError::new(
                    400,
                    "InvalidRequest",
                    "Missing required header for this request: x-amz-content-sha256",
                    "",
                ));
            };
            // OSS refuses aws-chunked uploads (field-truth §2.1, infiniflow/ragflow#12766).
            if payload.starts_with("STREAMING-") {
                return Err(OssError::new(
                    400,
                    "InvalidArgument",
                    "aws-chunked encoding is not supported with the specified x-amz-content-sha256 value.",
                    "",
                ));
            }
            if payload != "UNSIGNED-PAYLOAD" {
                let actual = hex::encode(Sha256::digest(&request.body));
                if !payload.eq_ignore_ascii_case(&actual) {
                    return Err(OssError::new(
                        400,
                        "XAmzContentSHA256Mismatch",
                        "The provided 'x-amz-content-sha256' header does not match what was computed.",
                        "",
                    )
                    .with("ClientComputedContentSHA256", payload)
                    .with("S3ComputedContentSHA256", actual));
                }
            }
            Some(payload)
        };
        sigv4::check_scope(&auth, &self.region)?;
        let (principal, secret) = self.principal_for(&auth.access_key_id)?;
        let signed_at = auth.signed_at().ok_or_else(|| {
            OssError::new(403, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header", "")
        })?;
        let now = self.now();
        match auth.expires {
            Some(expires) => {
                if signed_at - now > MAX_SKEW {
                    return Err(OssError::new(403, "AccessDenied", "Request is not valid yet", ""));
                }
                if now > signed_at + chrono::Duration::seconds(expires as i64) {
                    return Err(OssError::new(403, "AccessDenied", "Request has expired", "0002-00000069")
                        .with("X-Amz-Expires", expires.to_string())
                        .with("Expires", iso(signed_at + chrono::Duration::seconds(expires as i64)))
                        .with("ServerTime", iso(now)));
                }
            }
            None => self.check_skew(signed_at)?,
        }
        sigv4::check_signed_headers(&auth, &target.query, &request.headers)?;
        let expected = sigv4::expected_signature(
            &auth,
            &secret,
            request.method.as_str(),
            request.path(),
            request.query(),
            &request.headers,
            payload,
        )?;
        if !same_signature(&expected, &auth.signature) {
            return Err(OssError::new(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
                "0002-00000040",
            )
            .with("AWSAccessKeyId", auth.access_key_id.clone())
            .with("SignatureProvided", auth.signature.clone()));
        }
        Ok(Caller::Principal(principal))
    }
}
