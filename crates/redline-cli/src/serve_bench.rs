//! `redline bench serve`: many concurrent clients on `GET /api/events` over a large synthetic
//! store, on loopback only, for a bounded time; prints throughput, latency percentiles and
//! errors.
//!
//! The server runs in this process (the same code as `redline serve`, bound to 127.0.0.1 on a
//! free port); each client is a thread with one keep-alive HTTP/1.1 connection written by hand,
//! so the measurement includes no client library.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// Arguments of `redline bench serve`.
#[derive(clap::Args)]
pub struct ServeBenchArgs {
    /// Synthetic events in the store.
    #[arg(long, default_value_t = 1_000_000)]
    pub events: usize,
    /// Concurrent clients.
    #[arg(long, default_value_t = 200)]
    pub clients: usize,
    /// How long the clients run (at most 120).
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// The store to build (kept, and reused if it already holds at least `--events` events).
    #[arg(long, default_value = "bench-serve.db")]
    pub db: PathBuf,
}

/// The queries the clients cycle through: the first page, a dyad, a country's conflict, a CAMEO
/// root, a small page in a date window.
const QUERIES: [&str; 5] = [
    "/api/events",
    "/api/events?dyad=AAX-ABX&limit=20",
    "/api/events?country=ACX&quad_class=4&limit=20",
    "/api/events?cameo=05&limit=20",
    "/api/events?from=2024-03-01&to=2024-03-31&limit=10",
];

/// One client's results: latencies in microseconds, and errors.
#[derive(Default)]
struct ClientResult {
    latencies_us: Vec<u64>,
    errors: usize,
    first_error: Option<String>,
}

/// One request on a keep-alive connection; the status and the body's length.
fn exchange(
    reader: &mut BufReader<TcpStream>,
    addr: SocketAddr,
    path: &str,
) -> std::io::Result<u16> {
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    reader.get_mut().write_all(request.as_bytes())?;
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status: u16 = line
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("bad status line {line:?}"),
            )
        })?;
    let mut length = 0usize;
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok(status)
}

fn client(addr: SocketAddr, index: usize, until: Instant) -> ClientResult {
    let mut result = ClientResult::default();
    let mut connection: Option<BufReader<TcpStream>> = None;
    let mut i = index;
    while Instant::now() < until {
        let path = QUERIES[i % QUERIES.len()];
        i += 1;
        let start = Instant::now();
        let outcome = (|| {
            if connection.is_none() {
                let stream = TcpStream::connect(addr)?;
                stream.set_read_timeout(Some(Duration::from_secs(30)))?;
                stream.set_nodelay(true)?;
                connection = Some(BufReader::new(stream));
            }
            exchange(connection.as_mut().expect("connected"), addr, path)
        })();
        match outcome {
            Ok(200) => result.latencies_us.push(start.elapsed().as_micros() as u64),
            Ok(status) => {
                result.errors += 1;
                result
                    .first_error
                    .get_or_insert(format!("{path}: status {status}"));
            }
            Err(e) => {
                result.errors += 1;
                result.first_error.get_or_insert(format!("{path}: {e}"));
                connection = None;
            }
        }
    }
    result
}

/// `redline bench serve`.
pub fn run(args: &ServeBenchArgs, out: &mut impl Write) -> Result<()> {
    if args.seconds == 0 || args.seconds > 120 {
        bail!("--seconds must be from 1 to 120");
    }
    if args.clients == 0 || args.clients > 1000 {
        bail!("--clients must be from 1 to 1000");
    }
    let store = crate::monitor::open_synthetic_store(&args.db, args.events)?;
    let total_events = store.counts()?.events;
    drop(store);

    let config = redline_server::ServerConfig {
        db: args.db.clone(),
        bind: "127.0.0.1:0".parse().expect("valid address"),
        token: None,
        body_limit: redline_server::DEFAULT_BODY_LIMIT,
        syntax: None,
    };
    let (tx, rx) = std::sync::mpsc::channel();
    // The server thread lives until the process exits.
    std::thread::spawn(move || {
        if let Err(e) = redline_server::run(&config, |addr| {
            let _ = tx.send(addr);
        }) {
            eprintln!("error: {e}");
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(30))
        .context("the server did not start")?;
    eprintln!(
        "{} clients on http://{addr}/api/events for {} s over {total_events} events",
        args.clients, args.seconds
    );
    let start = Instant::now();
    let until = start + Duration::from_secs(args.seconds);
    let handles: Vec<_> = (0..args.clients)
        .map(|i| std::thread::spawn(move || client(addr, i, until)))
        .collect();
    let mut latencies = Vec::new();
    let mut errors = 0;
    let mut first_error = None;
    for h in handles {
        let r = h.join().expect("client thread");
        latencies.extend(r.latencies_us);
        errors += r.errors;
        first_error = first_error.or(r.first_error);
    }
    let elapsed = start.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let pct = |p: f64| -> f64 {
        if latencies.is_empty() {
            return 0.0;
        }
        let i = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1;
        latencies[i] as f64 / 1000.0
    };
    writeln!(
        out,
        "{} requests in {elapsed:.1} s ({:.0}/s), {errors} errors; latency ms: p50 {:.1}, p90 {:.1}, p99 {:.1}, max {:.1}",
        latencies.len() + errors,
        latencies.len() as f64 / elapsed,
        pct(0.50),
        pct(0.90),
        pct(0.99),
        pct(1.0)
    )?;
    if let Some(e) = first_error {
        writeln!(out, "first error: {e}")?;
    }
    Ok(())
}
