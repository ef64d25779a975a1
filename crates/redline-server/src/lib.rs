//! Redline's HTTP server: a JSON API and a dashboard over the event store.
//!
//! Handlers only parse, call the store (or the coder) and translate; every SQLite or coding call
//! runs on tokio's blocking pool (`spawn_blocking`), never on the async workers. The server knows
//! HTTP; `redline-store` and the core know nothing of it.
//!
//! * [`api`]: the JSON endpoints (`/api/...`) and their parameter parsing;
//! * [`pages`]: the dashboard's embedded assets and the server-rendered event pages;
//! * [`wire`]: the JSON forms of the store's rows;
//! * [`error`]: the one place errors become statuses and `{code, message}` bodies.
//!
//! ```no_run
//! let config = redline_server::ServerConfig::default(); // 127.0.0.1:8080, ./redline.db, no writes
//! redline_server::run(&config, |addr| eprintln!("listening on http://{addr}/")).unwrap();
//! ```

pub mod api;
pub mod error;
pub mod pages;
pub mod wire;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use redline::syntax::SyntaxModel;
use redline::{Coder, Config, Dictionaries};
use redline_store::Store;
use redline_store::alerts::Rule;

pub use error::ApiError;

/// The default address: loopback only. Serving other machines must be asked for explicitly.
pub const DEFAULT_BIND: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)), 8080);

/// The default request body limit: 8 MiB, a few thousand news articles per `POST`.
pub const DEFAULT_BODY_LIMIT: usize = 8 << 20;

/// What `redline serve` is told.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The store (an existing file).
    pub db: PathBuf,
    /// Where to listen; [`DEFAULT_BIND`] unless told otherwise.
    pub bind: SocketAddr,
    /// The bearer token that allows `POST /api/documents`; without one the server is read-only.
    pub token: Option<String>,
    /// Request bodies larger than this are refused with 413.
    pub body_limit: usize,
    /// A syntax model to code posted documents with (sources from the parse), or none for the
    /// shallow rules alone.
    pub syntax: Option<Arc<SyntaxModel>>,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            db: PathBuf::from("redline.db"),
            bind: DEFAULT_BIND,
            token: None,
            body_limit: DEFAULT_BODY_LIMIT,
            syntax: None,
        }
    }
}

/// What can stop the server from starting.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// There is no store at the path.
    #[error("no store at {0} (run `redline ingest` first, or pass --db)")]
    NoStore(PathBuf),
    /// The store could not be opened.
    #[error("cannot open store {path}: {source}")]
    Store {
        /// The file.
        path: PathBuf,
        /// Why.
        source: redline_store::StoreError,
    },
    /// The address could not be bound, or the server failed.
    #[error("cannot serve on {bind}: {source}")]
    Io {
        /// The address.
        bind: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// Shared by every handler.
pub struct AppState {
    db: PathBuf,
    /// Read connections, reused: a new one costs a migration check, pragmas and a cold page
    /// cache.
    readers: Mutex<Vec<Store>>,
    /// At most this many reads run at once; the others wait here, on the async side, instead of
    /// each taking a blocking thread and a connection. Unbounded, 200 concurrent clients on 2
    /// cores opened connections faster than they were reused and served 29 requests/s against
    /// 230/s for one client (`redline bench serve`, 1M events).
    read_permits: tokio::sync::Semaphore,
    /// The one writing connection (the store's merge index lives in it).
    writer: Mutex<Option<Store>>,
    /// Loaded on the first write (about 0.1 s).
    coder: OnceLock<Arc<Coder>>,
    /// The coder's syntax model, if any.
    syntax: Option<Arc<SyntaxModel>>,
    token: Option<String>,
    body_limit: usize,
    rules: Vec<Rule>,
}

/// Reads running at once: twice the cores (SQLite reads mostly wait on memory, not the CPU),
/// at least 4.
fn max_concurrent_reads() -> usize {
    std::thread::available_parallelism().map_or(4, |n| (2 * n.get()).max(4))
}

impl AppState {
    /// Opens the store at `config.db` (it must exist) and loads the default alert rules.
    pub fn new(config: &ServerConfig) -> Result<AppState, ServerError> {
        if !config.db.is_file() {
            return Err(ServerError::NoStore(config.db.clone()));
        }
        let first = Store::open(&config.db).map_err(|source| ServerError::Store {
            path: config.db.clone(),
            source,
        })?;
        let rules = redline_store::alerts::parse_rules(
            "rules/default.toml",
            redline_store::alerts::DEFAULT_RULES,
        )
        .map_err(|source| ServerError::Store {
            path: config.db.clone(),
            source,
        })?;
        Ok(AppState {
            db: config.db.clone(),
            readers: Mutex::new(vec![first]),
            read_permits: tokio::sync::Semaphore::new(max_concurrent_reads()),
            writer: Mutex::new(None),
            coder: OnceLock::new(),
            syntax: config.syntax.clone(),
            token: config.token.clone().filter(|t| !t.is_empty()),
            body_limit: config.body_limit,
            rules,
        })
    }

    /// Runs `f` with a read connection on the blocking pool.
    pub(crate) async fn read<T, F>(self: &Arc<Self>, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Store, &AppState) -> Result<T, ApiError> + Send + 'static,
    {
        let _permit = self
            .read_permits
            .acquire()
            .await
            .map_err(|e| ApiError::internal(format!("reader pool closed: {e}")))?;
        let state = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            // With the permit held there are never more connections than permits.
            let taken = state.readers.lock().expect("reader pool").pop();
            let store = match taken {
                Some(s) => s,
                None => Store::open(&state.db)?,
            };
            let result = f(&store, &state);
            state.readers.lock().expect("reader pool").push(store);
            result
        })
        .await
        .map_err(|e| ApiError::internal(format!("request task failed: {e}")))?
    }

    /// Runs `f` with the writing connection and the coder on the blocking pool.
    pub(crate) async fn write<T, F>(self: &Arc<Self>, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store, &Coder) -> Result<T, ApiError> + Send + 'static,
    {
        let state = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let coder = state.coder.get_or_init(|| {
                Arc::new(Coder::new(
                    Arc::new(Dictionaries::embedded().0),
                    Config {
                        syntax: state.syntax.clone(),
                        ..Config::default()
                    },
                ))
            });
            let mut writer = state.writer.lock().expect("writer");
            if writer.is_none() {
                *writer = Some(Store::open(&state.db)?);
            }
            f(writer.as_mut().expect("opened above"), coder)
        })
        .await
        .map_err(|e| ApiError::internal(format!("request task failed: {e}")))?
    }

    /// Whether writes are allowed with this `Authorization` header value.
    pub(crate) fn authorize(&self, header: Option<&str>) -> Result<(), ApiError> {
        let Some(token) = &self.token else {
            return Err(ApiError::writes_disabled());
        };
        let given = header
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .unwrap_or("");
        // Compare every byte so the time taken does not tell how much of the token matched.
        let same = given.len() == token.len()
            && given
                .bytes()
                .zip(token.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if same {
            Ok(())
        } else {
            Err(ApiError::unauthorized())
        }
    }

    /// The alert rules (the embedded default set).
    pub(crate) fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The request body limit in bytes.
    pub(crate) fn body_limit(&self) -> usize {
        self.body_limit
    }
}

/// The whole application: API, dashboard and event pages.
pub fn router(state: Arc<AppState>) -> Router {
    let limit = state.body_limit;
    api::routes()
        .merge(pages::routes())
        .fallback(api::not_found)
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}

/// Serves `router` on an already bound listener until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, router: Router) -> std::io::Result<()> {
    axum::serve(listener, router).await
}

/// Opens the store, binds `config.bind`, calls `on_listening` with the bound address and serves
/// until the process ends, on a multi-threaded runtime.
pub fn run(
    config: &ServerConfig,
    on_listening: impl FnOnce(SocketAddr),
) -> Result<(), ServerError> {
    let state = Arc::new(AppState::new(config)?);
    let io = |source| ServerError::Io {
        bind: config.bind,
        source,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(io)?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(config.bind)
            .await
            .map_err(io)?;
        on_listening(listener.local_addr().map_err(io)?);
        serve(listener, router(state)).await.map_err(io)
    })
}
