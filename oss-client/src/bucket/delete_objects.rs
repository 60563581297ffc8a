//! DeleteMultipleObjects (`POST /?delete` on the bucket host, a `<Delete>` XML body with `Content-MD5`): deletes up
//! to 1,000 objects in one request. The AWS S3 SDK's `DeleteObjects` sends the same request, and LobeHub deletes
//! files with it (`deleteFiles`: LH `src/server/modules/S3/index.ts` @ `681e4ef2ddb3073355ddba2e6c23368319479492`);
//! OSS reference "DeleteMultipleObjects"; `alibabacloud-oss-v2` `delete_multiple_objects`, `ali-oss` `deleteMulti`.
//!
//! In the non-quiet mode used here the answer lists every deleted key (a key that did not exist is reported as
//! deleted, as DeleteObject answers 204 for it); a per-key `<Error>` (the S3 form) is reported too.
//!
//! ```no_run
//! # async fn demo(oss: oss_client::OssClient) -> oss_client::Result<()> {
//! let result = oss.bucket("lobechat-assets").delete_objects(["a.txt", "b.txt"]).send().await?;
//! assert!(result.errors.is_empty());
//! # Ok(()) }
//! ```

use super::BucketHandler;
use crate::error::{Error, Result};
use crate::xml::{from_xml, to_xml};
use http::Method;
use serde::{Deserialize, Serialize};

/// The most keys one DeleteMultipleObjects accepts (OSS reference).
pub const MAX_KEYS: usize = 1000;

#[derive(Serialize)]
#[serde(rename = "Delete")]
struct DeleteBody<'a> {
    #[serde(rename = "Quiet")]
    quiet: bool,
    #[serde(rename = "Object")]
    objects: Vec<ObjectKey<'a>>,
}

#[derive(Serialize)]
struct ObjectKey<'a> {
    #[serde(rename = "Key")]
    key: &'a str,
}

/// One key the service could not delete.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct DeleteError {
    /// The key.
    #[serde(rename = "Key")]
    pub key: String,
    /// The error code (`AccessDenied`, …).
    #[serde(rename = "Code")]
    pub code: String,
    /// The message.
    #[serde(rename = "Message")]
    pub message: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DeletedKey {
    #[serde(rename = "Key")]
    key: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DeleteResultXml {
    #[serde(rename = "Deleted")]
    deleted: Vec<DeletedKey>,
    #[serde(rename = "Error")]
    errors: Vec<DeleteError>,
}

/// What DeleteMultipleObjects reported.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeleteObjectsResult {
    /// The keys reported deleted.
    pub deleted: Vec<String>,
    /// The keys that could not be deleted, each with its error.
    pub errors: Vec<DeleteError>,
}

/// The DeleteMultipleObjects request. See [`BucketHandler::delete_objects`].
#[derive(Debug, Clone)]
pub struct DeleteObjects {
    bucket: BucketHandler,
    keys: Vec<String>,
}

impl BucketHandler {
    /// DeleteMultipleObjects for `keys` (1 to 1,000 valid object keys; checked before sending).
    pub fn delete_objects<I, S>(&self, keys: I) -> DeleteObjects
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        DeleteObjects { bucket: self.clone(), keys: keys.into_iter().map(Into::into).collect() }
    }
}

impl DeleteObjects {
    /// Sends the request. Deleting is idempotent, so it is retried like any other idempotent request.
    pub async fn send(self) -> Result<DeleteObjectsResult> {
        const OP: &str = "DeleteMultipleObjects";
        if self.keys.is_empty() || self.keys.len() > MAX_KEYS {
            return Err(Error::invalid_input(
                OP,
                format!("{} keys given; one request deletes 1 to {MAX_KEYS}", self.keys.len()),
            ));
        }
        for key in &self.keys {
            crate::endpoint::validate_object_key(OP, key)?;
        }
        let body = DeleteBody { quiet: false, objects: self.keys.iter().map(|k| ObjectKey { key: k }).collect() };
        let xml = format!(r#"<?xml version="1.0" encoding="UTF-8"?>{}"#, to_xml(OP, &body)?);
        let request = self.bucket.request(OP, Method::POST)?.sub_resource("delete").xml_body(xml)?;
        let raw = self.bucket.client.execute(request).await?;
        if raw.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(DeleteObjectsResult::default());
        }
        let parsed: DeleteResultXml = from_xml(OP, &raw.body)?;
        Ok(DeleteObjectsResult { deleted: parsed.deleted.into_iter().map(|d| d.key).collect(), errors: parsed.errors })
    }
}
