//! `GET /metrics`: the server's measurements in the Prometheus text exposition format
//! (version 0.0.4): endpoints, packets, loss and jitter per endpoint and in total, and per
//! shard its sessions, ticks, tick lateness as a histogram and its load.

use core::fmt::Write as _;
use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use crate::endpoint::{EndpointDescription, Endpoints, ServerStats};
use crate::error::ApiError;

/// The content type of the text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// `GET /metrics`.
pub async fn metrics(
    State(endpoints): State<Arc<Endpoints>>,
) -> Result<impl IntoResponse, ApiError> {
    let stats = endpoints.stats();
    let list = endpoints.list().await?;
    Ok((
        [(header::CONTENT_TYPE, CONTENT_TYPE)],
        render(&stats, &list),
    ))
}

/// One metric family: its help line, type and samples.
struct Family<'a> {
    out: &'a mut String,
}

impl Family<'_> {
    fn start<'a>(out: &'a mut String, name: &str, kind: &str, help: &str) -> Family<'a> {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} {kind}");
        Family { out }
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) -> &mut Self {
        self.out.push_str(name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                let _ = write!(self.out, "{k}=\"{}\"", escape(v));
            }
            self.out.push('}');
        }
        let _ = writeln!(self.out, " {}", number(value));
        self
    }
}

/// A label value with `\`, `"` and newlines escaped.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        }
    } else if v == v.trunc() && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// The whole exposition for the server's statistics and its endpoints' descriptions.
pub fn render(stats: &ServerStats, endpoints: &[EndpointDescription]) -> String {
    let mut out = String::with_capacity(4096 + 600 * endpoints.len());
    Family::start(
        &mut out,
        "mediacore_uptime_seconds",
        "gauge",
        "Seconds since the server started.",
    )
    .sample("mediacore_uptime_seconds", &[], stats.uptime_s);
    Family::start(
        &mut out,
        "mediacore_endpoints",
        "gauge",
        "Endpoints allocated now.",
    )
    .sample("mediacore_endpoints", &[], stats.endpoints as f64);

    shard_families(&mut out, stats);
    endpoint_families(&mut out, endpoints);
    out
}

fn shard_families(out: &mut String, stats: &ServerStats) {
    let shards: Vec<(String, &crate::shard::ShardStatsSnapshot)> = stats
        .shards
        .iter()
        .map(|s| (s.index.to_string(), s))
        .collect();
    let per_shard = |out: &mut String,
                     name: &str,
                     kind: &str,
                     help: &str,
                     value: &dyn Fn(&crate::shard::ShardStatsSnapshot) -> f64| {
        let mut f = Family::start(out, name, kind, help);
        for (index, s) in &shards {
            f.sample(name, &[("shard", index)], value(s));
        }
    };
    per_shard(
        out,
        "mediacore_shard_sessions",
        "gauge",
        "Sessions a media shard drives.",
        &|s| s.sessions as f64,
    );
    per_shard(
        out,
        "mediacore_shard_ticks_total",
        "counter",
        "Ticks a media shard has run.",
        &|s| s.ticks as f64,
    );
    per_shard(
        out,
        "mediacore_shard_ticks_late_total",
        "counter",
        "Ticks that started more than 5 ms after their deadline.",
        &|s| s.ticks_late as f64,
    );
    per_shard(
        out,
        "mediacore_shard_ticks_skipped_total",
        "counter",
        "Tick deadlines skipped because a tick ran more than a whole period late.",
        &|s| s.ticks_skipped as f64,
    );
    per_shard(
        out,
        "mediacore_shard_work_seconds_total",
        "counter",
        "Time a media shard has spent driving its sessions; its rate is the shard's load (1 = a whole core).",
        &|s| s.work_total_us as f64 / 1e6,
    );
    per_shard(
        out,
        "mediacore_shard_load",
        "gauge",
        "Mean share of the tick period a media shard spends driving its sessions.",
        &|s| {
            if s.tick_ms == 0 {
                0.0
            } else {
                s.work_mean_us / (s.tick_ms as f64 * 1000.0)
            }
        },
    );
    per_shard(
        out,
        "mediacore_shard_datagrams_total",
        "counter",
        "Datagrams a media shard has handed to its sessions.",
        &|s| s.datagrams as f64,
    );
    per_shard(
        out,
        "mediacore_shard_inbound_dropped_total",
        "counter",
        "Datagrams dropped because a media shard's inbound queue was full.",
        &|s| s.inbound_dropped as f64,
    );

    let name = "mediacore_tick_lateness_seconds";
    let mut f = Family::start(
        out,
        name,
        "histogram",
        "How long after its deadline each tick of a media shard started.",
    );
    for (index, s) in &shards {
        let h = &s.lateness_histogram;
        let mut cumulative = 0u64;
        for (i, count) in h.counts.iter().enumerate() {
            cumulative += count;
            let le = match h.upper_bounds_us.get(i) {
                Some(us) => number(*us as f64 / 1e6),
                None => "+Inf".into(),
            };
            f.sample(
                &format!("{name}_bucket"),
                &[("shard", index), ("le", &le)],
                cumulative as f64,
            );
        }
        f.sample(
            &format!("{name}_sum"),
            &[("shard", index)],
            h.sum_us as f64 / 1e6,
        );
        f.sample(
            &format!("{name}_count"),
            &[("shard", index)],
            cumulative as f64,
        );
    }
}

fn endpoint_families(out: &mut String, endpoints: &[EndpointDescription]) {
    type Value = fn(&EndpointDescription) -> f64;
    let families: [(&str, &str, &str, Value); 7] = [
        (
            "mediacore_endpoint_packets_received_total",
            "counter",
            "RTP packets an endpoint has accepted.",
            |e| e.state.stats.session.packets_received as f64,
        ),
        (
            "mediacore_endpoint_packets_sent_total",
            "counter",
            "RTP packets an endpoint has sent.",
            |e| e.state.stats.session.packets_sent as f64,
        ),
        (
            "mediacore_endpoint_packets_lost_total",
            "counter",
            "RTP packets the remote sent that never arrived (RFC 3550 A.3).",
            |e| e.state.receive.rtcp.cumulative_lost.max(0) as f64,
        ),
        (
            "mediacore_endpoint_packets_late_total",
            "counter",
            "RTP packets that arrived after their playout time.",
            |e| e.state.stats.session.packets_late as f64,
        ),
        (
            "mediacore_endpoint_fraction_lost",
            "gauge",
            "Fraction of the remote's packets lost in the last RTCP interval.",
            |e| e.state.receive.rtcp.fraction_lost,
        ),
        (
            "mediacore_endpoint_jitter_seconds",
            "gauge",
            "Interarrival jitter of the received RTP (RFC 3550 A.8).",
            |e| e.state.receive.rtcp.jitter_ms / 1000.0,
        ),
        (
            "mediacore_endpoint_playout_delay_seconds",
            "gauge",
            "How much later than the fastest recent packet the jitter buffer plays.",
            |e| e.state.receive.playout_delay_ms.unwrap_or(0.0) / 1000.0,
        ),
    ];
    for (name, kind, help, value) in families {
        let total: f64 = endpoints.iter().map(value).sum();
        let mut f = Family::start(out, name, kind, help);
        for e in endpoints {
            f.sample(name, &[("endpoint", &e.info.id)], value(e));
        }
        // Sums across endpoints only make sense for counters.
        if kind == "counter" {
            let total_name = name.replace("mediacore_endpoint_", "mediacore_");
            let help = format!("{help} Sum over the endpoints present now.");
            Family::start(out, &total_name, kind, &help).sample(&total_name, &[], total);
        }
    }
    let name = "mediacore_endpoint_mos";
    let mut f = Family::start(
        out,
        name,
        "gauge",
        "E-model MOS of the last quality report (ITU-T G.107).",
    );
    for e in endpoints {
        if let Some(q) = &e.state.receive.quality {
            f.sample(name, &[("endpoint", &e.info.id)], q.mos);
        }
    }
}
