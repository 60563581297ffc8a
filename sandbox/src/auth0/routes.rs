//! Dispatch: the Authentication API paths, the Management API under `/api/v2/` (request budget, then bearer
//! token, then the operation table), and the [`Simulator`] impl (injected faults, which requests mutate).

use super::Auth0Simulator;
use super::render::api_error;
use super::state::now_secs;
use crate::server::{InjectedError, SimRequest, SimResponse, Simulator};

pub(super) fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}

impl Auth0Simulator {
    fn management(&self, request: &SimRequest, segments: &[String]) -> SimResponse {
        let headers = match self.rate_limit() {
            Ok(h) => h,
            Err(r) => return r,
        };
        let caller = match self.authenticate(request) {
            Ok(c) => c,
            Err(r) => return r,
        };
        let seg: Vec<&str> = segments.iter().map(String::as_str).collect();
        let m = &request.method;
        let result = match (m.as_str(), seg.as_slice()) {
            ("POST", ["clients"]) => self.create_client(request, &caller),
            ("GET", ["clients"]) => self.list_clients(request, &caller),
            ("GET", ["clients", id]) => self.get_client(id, &caller),
            ("PATCH", ["clients", id]) => self.update_client(request, id, &caller),
            ("DELETE", ["clients", id]) => self.delete_client(id, &caller),
            ("POST", ["clients", id, "rotate-secret"]) => self.rotate_secret(id, &caller),
            ("GET", ["clients", id, "connections"]) => self.client_connections(request, id, &caller),
            ("GET", ["connections"]) => self.list_connections(request, &caller),
            ("POST", ["connections"]) => self.create_connection(request, &caller),
            ("DELETE", ["connections", id]) => self.delete_connection(id, &caller),
            ("GET", ["connections", id]) => self.get_connection(id, &caller),
            ("PATCH", ["connections", id]) => self.update_connection(request, id, &caller),
            ("GET", ["connections", id, "clients"]) => self.connection_clients(request, id, &caller),
            ("PATCH", ["connections", id, "clients"]) => self.update_connection_clients(request, id, &caller),
            ("POST", ["users"]) => self.create_user(request, &caller),
            ("GET", ["users"]) => self.list_users(request, &caller),
            ("GET", ["users", id]) => self.get_user(id, &caller),
            ("DELETE", ["users", id]) => self.delete_user(id, &caller),
            ("GET", ["users-by-email"]) => self.users_by_email(request, &caller),
            ("POST", ["tickets", "password-change"]) => self.password_change_ticket(request, &caller),
            ("GET", ["tenants", "settings"]) => self.tenant_settings(None, &caller),
            ("PATCH", ["tenants", "settings"]) => self.tenant_settings(Some(request), &caller),
            _ => Err(api_error(404, "Not Found", None)),
        };
        let response = result.unwrap_or_else(|r| r);
        match headers {
            Some((limit, remaining, reset)) => response
                .with_header("x-ratelimit-limit", limit.to_string())
                .with_header("x-ratelimit-remaining", remaining.to_string())
                .with_header("x-ratelimit-reset", reset.to_string()),
            None => response,
        }
    }
}

impl Simulator for Auth0Simulator {
    fn service(&self) -> &'static str {
        "auth0"
    }

    fn handle(&self, request: &SimRequest) -> SimResponse {
        let path = request.path().to_string();
        match (request.method.as_str(), path.as_str()) {
            ("POST", "/oauth/token") => return self.token(request),
            ("GET", "/.well-known/openid-configuration") => return Self::discovery(request),
            ("GET", "/.well-known/jwks.json") => return self.jwks(),
            ("POST", "/dbconnections/signup") => return self.signup(request),
            ("GET", "/authorize") => return self.authorize(request),
            _ => {}
        }
        if let Some(rest) = path.strip_prefix("/api/v2/") {
            let segments: Vec<String> = rest.split('/').filter(|s| !s.is_empty()).map(percent_decode).collect();
            return self.management(request, &segments);
        }
        api_error(404, "Not Found", None)
    }

    fn injected_error(&self, error: InjectedError) -> SimResponse {
        match error {
            InjectedError::InternalError => api_error(500, "Internal Server Error (injected)", None),
            InjectedError::ServiceUnavailable => api_error(503, "Service Unavailable (injected)", None),
            InjectedError::Throttled { retry_after } => {
                let reset = now_secs() + retry_after.as_secs_f64().ceil().max(1.0) as i64;
                // Auth0 names the reset time in Unix seconds; the simulator also sends a (possibly fractional)
                // Retry-After so that tests need not wait whole seconds.
                api_error(429, "Global limit has been reached", Some("too_many_requests"))
                    .with_header("x-ratelimit-limit", "10")
                    .with_header("x-ratelimit-remaining", "0")
                    .with_header("x-ratelimit-reset", reset.to_string())
                    .with_header("retry-after", format!("{:.3}", retry_after.as_secs_f64()))
            }
        }
    }

    fn is_mutating(&self, request: &SimRequest) -> bool {
        match (request.method.as_str(), request.path()) {
            ("POST", "/oauth/token") => false,
            ("GET", "/authorize") => true,
            (m, _) => !matches!(m, "GET" | "HEAD" | "OPTIONS"),
        }
    }
}
