//! Sending one request: redacted logging, a capped body read and a classification of transport failures.

use crate::redact::{RedactedHeaders, redact_url};
use bytes::{Bytes, BytesMut};
use http::{HeaderMap, StatusCode};
use std::error::Error as StdError;
use std::fmt;
use std::time::Instant;

/// The default cap on a response body (16 MiB): a larger body is a [`TransportErrorKind::BodyTooLarge`] error
/// instead of unbounded memory use.
pub const DEFAULT_MAX_BODY: usize = 16 * 1024 * 1024;

/// A complete response: status, headers and the whole body.
///
/// ```
/// use cloud_http::RawResponse;
/// let r = RawResponse::new(http::StatusCode::OK, http::HeaderMap::new(), "hi".into());
/// assert!(r.status.is_success());
/// assert_eq!(r.text_lossy(), "hi");
/// ```
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// The HTTP status.
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The response body.
    pub body: Bytes,
}

impl RawResponse {
    /// Assembles a response.
    pub fn new(status: StatusCode, headers: HeaderMap, body: Bytes) -> Self {
        Self { status, headers, body }
    }

    /// A header's value as text, if present and valid.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as text, with invalid UTF-8 replaced.
    pub fn text_lossy(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// How a request failed below the HTTP layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportErrorKind {
    /// No connection could be made: the request was never sent, so any request may be retried.
    Connect,
    /// The client timeout elapsed; the request may or may not have reached the service.
    Timeout,
    /// The connection broke after the request was sent (reset, closed before a complete response).
    ConnectionReset,
    /// The response body exceeded the cap.
    BodyTooLarge {
        /// The cap in bytes.
        limit: usize,
    },
    /// Anything else (building the request, TLS, redirects, …).
    Other,
}

/// A transport failure, naming the operation. Its message never contains the request URL's query (which may
/// hold a signature) or any header.
///
/// ```
/// use cloud_http::{TransportError, TransportErrorKind};
/// let e = TransportError::new("PutBucketCors", TransportErrorKind::Timeout, "operation timed out");
/// assert!(e.to_string().contains("PutBucketCors"));
/// assert!(e.may_retry(true));
/// assert!(!e.may_retry(false));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError {
    /// The operation that was being performed.
    pub operation: &'static str,
    /// What went wrong.
    pub kind: TransportErrorKind,
    /// The underlying error's text.
    pub message: String,
}

impl TransportError {
    /// A transport error.
    pub fn new(operation: &'static str, kind: TransportErrorKind, message: impl Into<String>) -> Self {
        Self { operation, kind, message: message.into() }
    }

    /// Classifies a `reqwest` error. The URL is dropped from the message.
    pub fn from_reqwest(operation: &'static str, error: reqwest::Error) -> Self {
        let kind = classify(&error);
        let error = error.without_url();
        let mut message = error.to_string();
        let mut source = error.source();
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
            source = s.source();
        }
        Self { operation, kind, message }
    }

    /// Whether this failure may be retried: connection failures always (nothing was sent), timeouts and resets
    /// only for idempotent requests (the first attempt may have taken effect).
    pub fn may_retry(&self, idempotent: bool) -> bool {
        match self.kind {
            TransportErrorKind::Connect => true,
            TransportErrorKind::Timeout | TransportErrorKind::ConnectionReset => idempotent,
            TransportErrorKind::BodyTooLarge { .. } | TransportErrorKind::Other => false,
        }
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            TransportErrorKind::Connect => "could not connect".to_string(),
            TransportErrorKind::Timeout => "timed out".to_string(),
            TransportErrorKind::ConnectionReset => "connection reset before a complete response".to_string(),
            TransportErrorKind::BodyTooLarge { limit } => format!("response body larger than {limit} bytes"),
            TransportErrorKind::Other => "transport error".to_string(),
        };
        write!(f, "{}: {what}: {}", self.operation, self.message)
    }
}

impl StdError for TransportError {}

fn classify(error: &reqwest::Error) -> TransportErrorKind {
    if error.is_timeout() {
        return TransportErrorKind::Timeout;
    }
    if error.is_connect() {
        return TransportErrorKind::Connect;
    }
    let mut source: Option<&(dyn StdError + 'static)> = error.source();
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            match io.kind() {
                TimedOut => return TransportErrorKind::Timeout,
                ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof => {
                    return TransportErrorKind::ConnectionReset;
                }
                ConnectionRefused => return TransportErrorKind::Connect,
                _ => {}
            }
        }
        let text = s.to_string();
        if text.contains("connection closed before message completed")
            || text.contains("connection reset")
            || text.contains("incomplete message")
            || text.contains("end of file before message length reached")
        {
            return TransportErrorKind::ConnectionReset;
        }
        source = s.source();
    }
    if error.is_request() || error.is_body() || error.is_decode() {
        // A request error without a more precise cause is a broken exchange.
        return TransportErrorKind::ConnectionReset;
    }
    TransportErrorKind::Other
}

/// Sends `request` and reads the whole response body (at most `max_body` bytes).
///
/// The request line and headers are logged at `debug` with secrets redacted; the status and timing at `debug`
/// too. The caller builds and signs `request` anew for each attempt.
///
/// ```no_run
/// # async fn demo() -> Result<(), cloud_http::TransportError> {
/// let client = reqwest::Client::new();
/// let request = client.get("https://api.vercel.com/v2/user").build().unwrap();
/// let response = cloud_http::transport::send(&client, request, "GetUser", cloud_http::transport::DEFAULT_MAX_BODY).await?;
/// println!("{}", response.status);
/// # Ok(()) }
/// ```
pub async fn send(
    client: &reqwest::Client,
    request: reqwest::Request,
    operation: &'static str,
    max_body: usize,
) -> Result<RawResponse, TransportError> {
    let started = Instant::now();
    tracing::debug!(
        operation,
        method = %request.method(),
        url = %redact_url(request.url()),
        headers = ?RedactedHeaders(request.headers()),
        "sending request"
    );
    let mut response = client.execute(request).await.map_err(|e| {
        let err = TransportError::from_reqwest(operation, e);
        tracing::debug!(operation, error = %err, "request failed");
        err
    })?;
    let status = response.status();
    let headers = response.headers().clone();
    if let Some(len) = response.content_length()
        && len > max_body as u64
    {
        return Err(TransportError::new(
            operation,
            TransportErrorKind::BodyTooLarge { limit: max_body },
            format!("Content-Length {len}"),
        ));
    }
    let mut body = BytesMut::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > max_body {
                    return Err(TransportError::new(
                        operation,
                        TransportErrorKind::BodyTooLarge { limit: max_body },
                        "body exceeded the cap while reading",
                    ));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) => return Err(TransportError::from_reqwest(operation, e)),
        }
    }
    tracing::debug!(
        operation,
        status = status.as_u16(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        bytes = body.len(),
        "response received"
    );
    Ok(RawResponse { status, headers, body: body.freeze() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    #[tokio::test]
    async fn reads_body_and_caps_size() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_string("x".repeat(100)))
            .mount(&server)
            .await;
        let client = reqwest::Client::new();
        let ok = send(&client, client.get(server.uri()).build().unwrap(), "Get", 1000).await.unwrap();
        assert_eq!(ok.body.len(), 100);
        let err = send(&client, client.get(server.uri()).build().unwrap(), "Get", 10).await.unwrap_err();
        assert_eq!(err.kind, TransportErrorKind::BodyTooLarge { limit: 10 });
    }

    #[tokio::test]
    async fn timeout_and_connect_are_classified() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_delay(std::time::Duration::from_millis(500)))
            .mount(&server)
            .await;
        let client = reqwest::Client::builder().timeout(std::time::Duration::from_millis(50)).build().unwrap();
        let err = send(&client, client.get(server.uri()).build().unwrap(), "Slow", 1000).await.unwrap_err();
        assert_eq!(err.kind, TransportErrorKind::Timeout);

        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let err =
            send(&client, client.get(format!("http://{addr}/")).build().unwrap(), "Closed", 1000).await.unwrap_err();
        assert_eq!(err.kind, TransportErrorKind::Connect);
        assert!(err.may_retry(false));
    }

    #[tokio::test]
    async fn error_text_hides_the_query() {
        let client = reqwest::Client::builder().timeout(std::time::Duration::from_millis(50)).build().unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let url = format!("http://{addr}/k?Signature=topsecret");
        let err = send(&client, client.get(url).build().unwrap(), "Get", 10).await.unwrap_err();
        assert!(!err.to_string().contains("topsecret"));
    }
}
