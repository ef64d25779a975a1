//! Fetching feeds from `http://` and `https://` URLs, for `code`, `ingest`, `monitor` and
//! `watch`.
//!
//! Only the CLI fetches: the core library never opens a socket. A fetch has a whole-request
//! timeout (30 s by default, redirects and body included), a size limit (16 MiB of decoded body)
//! and a `User-Agent` naming Redline; a failure is an [`InputError`] whose origin is the URL, so
//! ingest reports it and goes on with the other inputs. A [`Fetcher`] remembers each URL's
//! `ETag` and `Last-Modified` and sends them back (`If-None-Match`, `If-Modified-Since`), so that
//! `redline watch` polling an unchanged feed gets `304 Not Modified` and reads nothing.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use crate::input::InputError;

/// The `User-Agent` header: the program, its version and where it comes from.
pub const USER_AGENT: &str = concat!(
    "redline/",
    env!("CARGO_PKG_VERSION"),
    " (political event coder; feed reader)"
);

/// Whether an input path is a URL that [`Fetcher::get`] fetches.
pub fn is_url(path: &str) -> bool {
    let lower = path.get(..8).unwrap_or(path).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// The answer to a fetch.
#[derive(Debug, PartialEq, Eq)]
pub enum Fetched {
    /// The body, decoded as UTF-8.
    Body(String),
    /// The server said the body did not change since the last fetch by this [`Fetcher`].
    NotModified,
}

/// The validators a server sent with a body, sent back on the next request for the same URL.
#[derive(Debug, Default, Clone)]
struct Validators {
    etag: Option<String>,
    last_modified: Option<String>,
}

/// An HTTP client with Redline's limits, remembering validators for conditional requests.
pub struct Fetcher {
    agent: ureq::Agent,
    max_bytes: u64,
    timeout: Duration,
    validators: Mutex<HashMap<String, Validators>>,
}

impl Default for Fetcher {
    fn default() -> Self {
        Self::new()
    }
}

impl Fetcher {
    /// The default limits: 30 s a request, 16 MiB a body, at most 5 redirects.
    pub fn new() -> Self {
        Self::with_limits(Duration::from_secs(30), 16 << 20)
    }

    /// A fetcher with its own timeout (the whole request: connecting, redirects, the body) and
    /// size limit (bytes of body after decompression).
    pub fn with_limits(timeout: Duration, max_bytes: u64) -> Self {
        Self::build(timeout, max_bytes, ureq::Proxy::try_from_env())
    }

    /// `proxy`: from `http_proxy`, `https_proxy`, `all_proxy` and `no_proxy` in normal use;
    /// none in the tests, whose servers are on 127.0.0.1 whatever the environment says.
    fn build(timeout: Duration, max_bytes: u64, proxy: Option<ureq::Proxy>) -> Self {
        let agent = ureq::Agent::config_builder()
            .proxy(proxy)
            .timeout_global(Some(timeout))
            .user_agent(USER_AGENT)
            .max_redirects(5)
            // Statuses are read below, so that 304 and the error statuses name themselves.
            .http_status_as_error(false)
            .build()
            .new_agent();
        Self {
            agent,
            max_bytes,
            timeout,
            validators: Mutex::new(HashMap::new()),
        }
    }

    /// Fetches `url`; conditional when an earlier fetch of the same URL gave validators.
    pub fn get(&self, url: &str) -> Result<Fetched, InputError> {
        self.fetch(url, true)
    }

    /// Fetches `url` whole, whatever was fetched before: for a feed item's linked page, which
    /// is needed again whenever its feed changes.
    pub fn get_unconditional(&self, url: &str) -> Result<String, InputError> {
        match self.fetch(url, false)? {
            Fetched::Body(text) => Ok(text),
            Fetched::NotModified => Err(InputError {
                origin: url.to_string(),
                message: "cannot fetch: HTTP 304 Not Modified to an unconditional request".into(),
            }),
        }
    }

    fn fetch(&self, url: &str, conditional: bool) -> Result<Fetched, InputError> {
        let fail = |message: String| InputError {
            origin: url.to_string(),
            message,
        };
        let known = if conditional {
            self.validators
                .lock()
                .expect("validators lock")
                .get(url)
                .cloned()
                .unwrap_or_default()
        } else {
            Validators::default()
        };
        let mut request = self
            .agent
            .get(url)
            .header("Accept", "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5");
        if let Some(etag) = &known.etag {
            request = request.header("If-None-Match", etag);
        }
        if let Some(date) = &known.last_modified {
            request = request.header("If-Modified-Since", date);
        }
        let mut response = request
            .call()
            .map_err(|e| fail(format!("cannot fetch: {}", self.describe(&e))))?;
        let status = response.status().as_u16();
        if status == 304 {
            return Ok(Fetched::NotModified);
        }
        if !(200..300).contains(&status) {
            let reason = response.status().canonical_reason().unwrap_or("");
            return Err(fail(format!("cannot fetch: HTTP {status} {reason}")));
        }
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let fresh = Validators {
            etag: header("etag"),
            last_modified: header("last-modified"),
        };
        let bytes = response
            .body_mut()
            .with_config()
            .limit(self.max_bytes)
            .read_to_vec()
            .map_err(|e| fail(format!("cannot fetch: {}", self.describe(&e))))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            fail(format!(
                "not UTF-8 text (byte {})",
                e.utf8_error().valid_up_to()
            ))
        })?;
        if conditional {
            let mut validators = self.validators.lock().expect("validators lock");
            if fresh.etag.is_some() || fresh.last_modified.is_some() {
                validators.insert(url.to_string(), fresh);
            } else {
                validators.remove(url);
            }
        }
        Ok(Fetched::Body(text))
    }

    /// A lowercase description of a client error, with the limit that was hit.
    fn describe(&self, e: &ureq::Error) -> String {
        match e {
            ureq::Error::Timeout(_) => format!("timed out after {} s", self.timeout.as_secs_f64()),
            ureq::Error::BodyExceedsLimit(n) => format!("body larger than the limit of {n} bytes"),
            other => other.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    /// A server on 127.0.0.1 that answers each connection with `respond(request head)`.
    fn serve(respond: impl Fn(&str) -> Vec<u8> + Send + 'static) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                    head.push(byte[0]);
                }
                let answer = respond(&String::from_utf8_lossy(&head));
                let _ = stream.write_all(&answer);
            }
        });
        format!("http://{addr}")
    }

    fn ok(body: &str, extra: &str) -> Vec<u8> {
        format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n{body}",
            body.len()
        )
        .into_bytes()
    }

    #[test]
    fn urls_are_recognised() {
        assert!(is_url("http://x.example/feed"));
        assert!(is_url("HTTPS://x.example/feed"));
        assert!(!is_url("feeds/http.rss"));
        assert!(!is_url("ftp://x.example/feed"));
    }

    #[test]
    fn sends_the_user_agent_and_revalidates_with_the_etag() {
        let seen = std::sync::Arc::new(Mutex::new(Vec::<String>::new()));
        let log = seen.clone();
        let base = serve(move |head| {
            log.lock().unwrap().push(head.to_string());
            if head.to_ascii_lowercase().contains("if-none-match: \"v1\"") {
                b"HTTP/1.1 304 Not Modified\r\nConnection: close\r\n\r\n".to_vec()
            } else {
                ok("<rss/>", "ETag: \"v1\"\r\n")
            }
        });
        let fetcher = Fetcher::build(Duration::from_secs(30), 16 << 20, None);
        let url = format!("{base}/feed.rss");
        assert_eq!(fetcher.get(&url).unwrap(), Fetched::Body("<rss/>".into()));
        assert_eq!(fetcher.get(&url).unwrap(), Fetched::NotModified);
        let seen = seen.lock().unwrap();
        assert!(seen[0].contains(USER_AGENT), "{}", seen[0]);
        assert!(!seen[0].to_ascii_lowercase().contains("if-none-match"));
    }

    #[test]
    fn errors_name_the_url_and_the_limit() {
        let base = serve(|head| {
            if head.starts_with("GET /missing") {
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec()
            } else if head.starts_with("GET /big") {
                ok(&"x".repeat(5000), "")
            } else {
                // Never answers in time.
                std::thread::sleep(Duration::from_secs(3));
                ok("late", "")
            }
        });
        let fetcher = Fetcher::build(Duration::from_millis(500), 1000, None);
        let missing = format!("{base}/missing");
        let e = fetcher.get(&missing).unwrap_err();
        assert_eq!(e.origin, missing);
        assert_eq!(e.message, "cannot fetch: HTTP 404 Not Found");
        let e = fetcher.get(&format!("{base}/big")).unwrap_err();
        assert!(e.message.contains("limit of 1000 bytes"), "{e}");
        let e = fetcher.get(&format!("{base}/slow")).unwrap_err();
        assert!(e.message.contains("timed out after 0.5 s"), "{e}");
        let e = Fetcher::build(Duration::from_secs(30), 16 << 20, None)
            .get("http://127.0.0.1:1/closed")
            .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("http://127.0.0.1:1/closed: cannot fetch:"),
            "{e}"
        );
    }
}
