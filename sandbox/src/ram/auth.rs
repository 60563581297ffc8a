//! Authentication of RAM requests: the RPC V2 (`HMAC-SHA1`) and OpenAPI V3 (`ACS3-HMAC-SHA256`) signatures
//! checked with [`super::signature`], the timestamp window and the nonce replay check, and the key's owner.

use super::signature;
use super::{RAM_VERSION, RamError, RamSimulator, TIMESTAMP_WINDOW, err, iso};
use crate::aliyun_identity::{KeyStatus, Principal};
use crate::server::{SimRequest, lock};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

impl RamSimulator {
    pub(super) fn authenticate(&self, request: &SimRequest) -> Result<Authenticated, RamError> {
        let mut params: Vec<(String, String)> = request.query_pairs();
        let is_form = request
            .header("content-type")
            .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
        let form: Vec<(String, String)> =
            if is_form { url::form_urlencoded::parse(&request.body).into_owned().collect() } else { Vec::new() };
        params.extend(form);
        let authorization = request.header("authorization").unwrap_or_default().to_string();
        let (key_id, timestamp, nonce, action, version) = if authorization.starts_with("ACS3-HMAC-SHA256") {
            self.verify_v3(request, &authorization)?
        } else {
            self.verify_v2(request, &params)?
        };
        if version != RAM_VERSION {
            return Err(err(400, "InvalidVersion", format!("Specified parameter Version is not valid: {version}")));
        }
        // Timestamp window.
        let at = DateTime::parse_from_rfc3339(&timestamp)
            .ok()
            .filter(|_| timestamp.ends_with('Z'))
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| {
                err(400, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.")
            })?;
        let now = self.clock();
        let skew = (now - at).num_seconds().unsigned_abs();
        if skew > TIMESTAMP_WINDOW.as_secs() {
            let mut e = err(
                400,
                "InvalidTimeStamp.Expired",
                format!("Specified time stamp or date value is expired. server time: {}", iso(now)),
            );
            e.date = Some(now.format("%a, %d %b %Y %H:%M:%S GMT").to_string());
            return Err(e);
        }
        // Nonce replay.
        if !lock(&self.replay).nonces.insert(nonce) {
            return Err(err(400, "SignatureNonceUsed", "Specified signature nonce was used already."));
        }
        let principal = self
            .identity
            .lookup_key(&key_id)
            .map(|k| k.principal)
            .ok_or_else(|| err(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."))?;
        let params = params.into_iter().filter(|(k, _)| !COMMON_V2.contains(&k.as_str())).collect();
        Ok(Authenticated { principal, action, params })
    }

    /// Looks up an active key and returns its secret.
    fn secret_for(&self, key_id: &str) -> Result<String, RamError> {
        let key = self
            .identity
            .lookup_key(key_id)
            .ok_or_else(|| err(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."))?;
        if key.status != KeyStatus::Active {
            return Err(err(400, "InvalidAccessKeyId.Inactive", "Specified access key is disabled."));
        }
        Ok(key.secret)
    }

    fn verify_v2(
        &self,
        request: &SimRequest,
        params: &[(String, String)],
    ) -> Result<(String, String, String, String, String), RamError> {
        let get = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let required = |name: &str| {
            get(name).ok_or_else(|| {
                err(
                    400,
                    "MissingParameter",
                    format!(
                        "The input parameter \"{name}\" that is mandatory for processing this request is not supplied."
                    ),
                )
            })
        };
        let given = required("Signature")?;
        let key_id = required("AccessKeyId")?;
        let action = required("Action")?;
        let version = required("Version")?;
        let timestamp = required("Timestamp")?;
        let nonce = required("SignatureNonce")?;
        if get("SignatureMethod").as_deref() != Some("HMAC-SHA1") {
            return Err(err(400, "InvalidParameter.SignatureMethod", "SignatureMethod must be HMAC-SHA1."));
        }
        if get("SignatureVersion").as_deref() != Some("1.0") {
            return Err(err(400, "InvalidParameter.SignatureVersion", "SignatureVersion must be 1.0."));
        }
        let secret = self.secret_for(&key_id)?;
        let string_to_sign = signature::rpc_string_to_sign(
            request.method.as_str(),
            params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        );
        if !signature::signatures_match(&signature::rpc_signature(&secret, &string_to_sign), &given) {
            return Err(err(
                400,
                "SignatureDoesNotMatch",
                format!(
                    "Specified signature is not matched with our calculation. server string to sign is:{string_to_sign}"
                ),
            ));
        }
        Ok((key_id, timestamp, nonce, action, version))
    }

    fn verify_v3(
        &self,
        request: &SimRequest,
        authorization: &str,
    ) -> Result<(String, String, String, String, String), RamError> {
        let incomplete =
            || err(400, "IncompleteSignature", "The request signature does not conform to Aliyun standards.");
        let rest = authorization.strip_prefix("ACS3-HMAC-SHA256").ok_or_else(incomplete)?.trim();
        let mut fields = BTreeMap::new();
        for part in rest.split(',') {
            let (k, v) = part.trim().split_once('=').ok_or_else(incomplete)?;
            fields.insert(k.trim().to_string(), v.trim().to_string());
        }
        let key_id = fields.get("Credential").cloned().ok_or_else(incomplete)?;
        let signed_headers = fields.get("SignedHeaders").cloned().ok_or_else(incomplete)?;
        let given = fields.get("Signature").cloned().ok_or_else(incomplete)?;
        let header = |name: &str| {
            request.header(name).map(str::to_string).ok_or_else(|| {
                err(
                    400,
                    "MissingParameter",
                    format!("The header \"{name}\" that is mandatory for processing this request is not supplied."),
                )
            })
        };
        let action = header("x-acs-action")?;
        let version = header("x-acs-version")?;
        let timestamp = header("x-acs-date")?;
        let nonce = header("x-acs-signature-nonce")?;
        let content_sha = header("x-acs-content-sha256")?;
        if content_sha != signature::content_sha256(&request.body) {
            return Err(err(400, "SignatureDoesNotMatch", "x-acs-content-sha256 does not match the request body."));
        }
        let names: Vec<String> = signed_headers.split(';').map(|s| s.trim().to_ascii_lowercase()).collect();
        // `host` and every `x-acs-*` header sent must be signed (V3 signature doc, "SignedHeaders").
        let must_sign = request
            .headers
            .keys()
            .map(|n| n.as_str().to_ascii_lowercase())
            .filter(|n| n == "host" || n.starts_with("x-acs-"));
        for name in must_sign {
            if !names.contains(&name) {
                return Err(err(400, "SignatureDoesNotMatch", format!("The header {name} must be signed.")));
            }
        }
        let secret = self.secret_for(&key_id)?;
        let query = request.query_pairs();
        let mut signed_values = Vec::new();
        for name in &names {
            let values: Vec<&str> =
                request.headers.get_all(name.as_str()).iter().filter_map(|v| v.to_str().ok()).collect();
            if values.is_empty() {
                return Err(err(
                    400,
                    "SignatureDoesNotMatch",
                    format!("The signed header {name} is not in the request."),
                ));
            }
            for v in values {
                signed_values.push((name.clone(), v.to_string()));
            }
        }
        let canonical_request = signature::acs3_canonical_request(&signature::Acs3Request {
            method: request.method.as_str(),
            path: request.path(),
            query: query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect(),
            signed_headers: signed_values,
            content_sha256: &content_sha,
        });
        let string_to_sign = signature::acs3_string_to_sign(&canonical_request);
        if !signature::signatures_match(&signature::acs3_signature(&secret, &string_to_sign), &given) {
            return Err(err(
                400,
                "SignatureDoesNotMatch",
                format!(
                    "Specified signature is not matched with our calculation. server string to sign is:{string_to_sign}"
                ),
            ));
        }
        Ok((key_id, timestamp, nonce, action, version))
    }
}

/// The common V2 parameters, removed before dispatch.
pub(super) const COMMON_V2: &[&str] = &[
    "Action",
    "Version",
    "Format",
    "AccessKeyId",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureNonce",
    "Timestamp",
    "Signature",
    "SecurityToken",
    "RegionId",
];

pub(super) struct Authenticated {
    pub(super) principal: Principal,
    pub(super) action: String,
    pub(super) params: Vec<(String, String)>,
}
