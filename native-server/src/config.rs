//! Server configuration from command-line flags and environment variables (clap `env`).
//!
//! Every setting has an embedded default so that `cargo run -p mediacore-server` needs
//! nothing else: loopback only, ports 20000-20999, two media shards, prompts from `./media`
//! and recordings to `./recordings`.

use core::fmt;
use core::str::FromStr;
use core::time::Duration;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use clap::Parser;

/// How the server listens, where RTP goes and how media work is scheduled.
#[derive(Debug, Clone, PartialEq, Eq, Parser)]
#[command(name = "mediacore-server", version, about)]
pub struct Config {
    /// Address and port of the HTTP/JSON control API (port 0 picks a free port).
    #[arg(long, env = "MEDIACORE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// UDP ports for RTP endpoints, inclusive, as `first-last`; endpoints use even ports.
    #[arg(long, env = "MEDIACORE_RTP_PORTS", default_value = "20000-20999")]
    pub rtp_ports: PortRange,
    /// Address the RTP sockets bind to and that endpoints report as their local address.
    #[arg(long, env = "MEDIACORE_RTP_BIND", default_value = "127.0.0.1")]
    pub rtp_bind: IpAddr,
    /// Number of media worker shards that sessions are spread over.
    #[arg(long, env = "MEDIACORE_SHARDS", default_value_t = 2,
          value_parser = clap::value_parser!(u16).range(1..=256))]
    pub shards: u16,
    /// Period of each shard's tick in milliseconds.
    #[arg(long, env = "MEDIACORE_TICK_MS", default_value_t = 20,
          value_parser = clap::value_parser!(u64).range(1..=100))]
    pub tick_ms: u64,
    /// Folder prompts and music on hold are played from (created if missing).
    #[arg(long, env = "MEDIACORE_MEDIA_DIR", default_value = "./media")]
    pub media_dir: PathBuf,
    /// Folder recordings are written to (created if missing).
    #[arg(long, env = "MEDIACORE_RECORDINGS_DIR", default_value = "./recordings")]
    pub recordings_dir: PathBuf,
    /// Memory for decoded prompts shared by all calls, in MiB.
    #[arg(long, env = "MEDIACORE_PROMPT_CACHE_MB", default_value_t = 256,
          value_parser = clap::value_parser!(u64).range(1..=65536))]
    pub prompt_cache_mb: u64,
    /// An endpoint reports `rtp_timeout` after this many ms without RTP (not on hold);
    /// 0 never.
    #[arg(long, env = "MEDIACORE_RTP_TIMEOUT_MS", default_value_t = 30_000)]
    pub rtp_timeout_ms: u64,
    /// Bearer token every control request must carry (`Authorization: Bearer <token>`);
    /// required to listen on a non-loopback address. Prefer the environment variable: a
    /// flag shows in the process list.
    #[arg(long, env = "MEDIACORE_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

impl Default for Config {
    /// The embedded defaults, the same as the flags' defaults (environment not consulted).
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            rtp_ports: PortRange {
                first: 20000,
                last: 20999,
            },
            rtp_bind: IpAddr::from([127, 0, 0, 1]),
            shards: 2,
            tick_ms: 20,
            media_dir: PathBuf::from("./media"),
            recordings_dir: PathBuf::from("./recordings"),
            prompt_cache_mb: 256,
            rtp_timeout_ms: 30_000,
            token: None,
        }
    }
}

impl Config {
    /// The default configuration listening on `listen`.
    pub fn with_listen(listen: SocketAddr) -> Self {
        Config {
            listen,
            ..Config::default()
        }
    }

    /// How long an endpoint waits for RTP before `rtp_timeout`; `None` never.
    pub fn rtp_timeout(&self) -> Option<Duration> {
        (self.rtp_timeout_ms > 0).then(|| Duration::from_millis(self.rtp_timeout_ms))
    }

    /// The shard tick period.
    pub fn tick(&self) -> Duration {
        Duration::from_millis(self.tick_ms)
    }
}

/// An inclusive range of UDP ports, written `first-last` (or a single port).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortRange {
    first: u16,
    last: u16,
}

impl PortRange {
    /// The ports `first..=last`; fails when the range is empty or starts at port 0.
    pub fn new(first: u16, last: u16) -> Result<Self, String> {
        if first == 0 {
            return Err("port range must not include port 0".to_owned());
        }
        if first > last {
            return Err(format!(
                "port range {first}-{last} is empty; expected first <= last"
            ));
        }
        Ok(PortRange { first, last })
    }

    /// The lowest port.
    pub fn first(self) -> u16 {
        self.first
    }

    /// The highest port.
    pub fn last(self) -> u16 {
        self.last
    }

    /// The even ports of the range in ascending order.
    ///
    /// RFC 3550 §11: RTP uses an even port and RTCP the next odd one.
    pub fn even_ports(self) -> impl Iterator<Item = u16> {
        (self.first..=self.last).filter(|p| p % 2 == 0)
    }

    /// The RTP ports of the range whose RTCP port (the next one) is in the range too.
    pub fn rtp_rtcp_pairs(self) -> impl Iterator<Item = u16> {
        self.even_ports().filter(move |p| *p < self.last)
    }
}

impl FromStr for PortRange {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parse = |p: &str| {
            p.trim().parse::<u16>().map_err(|_| {
                format!("{p:?} is not a port number; expected a range such as 20000-20999")
            })
        };
        match s.split_once('-') {
            Some((a, b)) => PortRange::new(parse(a)?, parse(b)?),
            None => {
                let p = parse(s)?;
                PortRange::new(p, p)
            }
        }
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.first, self.last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_need_nothing() {
        let c = Config::default();
        assert_eq!(c.listen, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(c.rtp_ports, PortRange::new(20000, 20999).unwrap());
        assert_eq!(c.rtp_bind, IpAddr::from([127, 0, 0, 1]));
        assert_eq!(c.shards, 2);
        assert_eq!(c.tick(), Duration::from_millis(20));
        assert_eq!(c.media_dir, PathBuf::from("./media"));
        assert_eq!(c.recordings_dir, PathBuf::from("./recordings"));
        if std::env::vars().all(|(k, _)| !k.starts_with("MEDIACORE_")) {
            assert_eq!(Config::parse_from(["mediacore-server"]), c);
        }
    }

    #[test]
    fn flags_override_defaults() {
        let c = Config::try_parse_from([
            "mediacore-server",
            "--listen",
            "127.0.0.1:9000",
            "--rtp-ports",
            "30000-30010",
            "--shards",
            "4",
            "--media-dir",
            "/srv/prompts",
            "--recordings-dir",
            "/srv/rec",
        ])
        .unwrap();
        assert_eq!(c.listen.port(), 9000);
        assert_eq!(c.rtp_ports.to_string(), "30000-30010");
        assert_eq!(c.shards, 4);
        assert_eq!(c.media_dir, PathBuf::from("/srv/prompts"));
        assert_eq!(c.recordings_dir, PathBuf::from("/srv/rec"));
        assert!(Config::try_parse_from(["mediacore-server", "--shards", "0"]).is_err());
    }

    #[test]
    fn port_ranges_parse_and_explain_errors() {
        assert_eq!("7000".parse::<PortRange>().unwrap().last(), 7000);
        let evens: Vec<u16> = "7001-7006"
            .parse::<PortRange>()
            .unwrap()
            .even_ports()
            .collect();
        assert_eq!(evens, [7002, 7004, 7006]);
        let pairs: Vec<u16> = "7001-7006"
            .parse::<PortRange>()
            .unwrap()
            .rtp_rtcp_pairs()
            .collect();
        assert_eq!(pairs, [7002, 7004], "7006 has no 7007 in the range");
        assert!("9-8".parse::<PortRange>().unwrap_err().contains("empty"));
        assert!("0-8".parse::<PortRange>().unwrap_err().contains("port 0"));
        assert!(
            "a-8"
                .parse::<PortRange>()
                .unwrap_err()
                .contains("not a port")
        );
    }
}
