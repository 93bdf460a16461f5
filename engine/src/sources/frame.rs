//! Parsing Binance USD-M market frames: `@trade` and `@aggTrade`, combined
//! (`{"stream":…,"data":{…}}`) or bare, in one pass with borrowed strings.

use serde::Deserialize;
use spreadwatch_proto::{DropReason, Fixed};

use crate::core::Tick;

/// Which Binance trade stream a source subscribes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum StreamKind {
    /// `<symbol>@aggTrade` (the default).
    #[default]
    #[serde(rename = "aggTrade", alias = "aggtrade")]
    AggTrade,
    /// `<symbol>@trade`; only `X == "MARKET"` records are kept.
    #[serde(rename = "trade")]
    Trade,
}

impl StreamKind {
    /// The suffix in a stream name.
    pub fn suffix(self) -> &'static str {
        match self {
            StreamKind::AggTrade => "aggTrade",
            StreamKind::Trade => "trade",
        }
    }
}

impl std::str::FromStr for StreamKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "aggTrade" | "aggtrade" => Ok(StreamKind::AggTrade),
            "trade" => Ok(StreamKind::Trade),
            other => Err(format!(
                "unknown stream {other:?}: expected aggTrade or trade"
            )),
        }
    }
}

/// A trade parsed from a frame, still borrowing its symbol from the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParsedTrade<'a> {
    /// Symbol as written in the frame (`s`), upper case on Binance.
    pub symbol: &'a str,
    /// The tick to store.
    pub tick: Tick,
    /// Event time `E`, ms.
    pub event_ms: i64,
    /// Receive timestamp in µs, when a recorded file carries one.
    pub recv_us: Option<i64>,
    /// Which stream the trade came from.
    pub kind: StreamKind,
}

/// What a frame held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame<'a> {
    /// A usable trade.
    Trade(ParsedTrade<'a>),
    /// A subscription reply or other control message; not an error.
    Control,
    /// A trade-stream trade that is not a market trade (`X` other than
    /// `MARKET`: insurance fund, ADL, …). It is dropped, but its id still
    /// counts: trade ids are consecutive per symbol over every kind, so
    /// the gap check must see it.
    NonMarket {
        /// The symbol.
        symbol: &'a str,
        /// Its trade id.
        id: u64,
        /// What `X` said.
        detail: String,
    },
    /// A frame that cannot be used, with the reason and the symbol if known.
    Drop {
        /// Why.
        reason: DropReason,
        /// The symbol, when the frame got far enough to name one.
        symbol: Option<&'a str>,
        /// Detail for the (rate-limited) log line.
        detail: String,
    },
}

#[allow(non_snake_case)]
#[derive(Deserialize, Default)]
struct Node<'a> {
    #[serde(borrow, default)]
    stream: Option<&'a str>,
    #[serde(borrow, default)]
    data: Option<Box<Node<'a>>>,
    #[serde(default)]
    recv_us: Option<i64>,
    #[serde(borrow, default)]
    e: Option<&'a str>,
    #[serde(default)]
    E: Option<i64>,
    #[serde(default)]
    T: Option<i64>,
    #[serde(borrow, default)]
    s: Option<&'a str>,
    #[serde(default)]
    a: Option<u64>,
    #[serde(default)]
    t: Option<u64>,
    #[serde(default)]
    f: Option<u64>,
    #[serde(default)]
    l: Option<u64>,
    #[serde(borrow, default)]
    p: Option<&'a str>,
    #[serde(borrow, default)]
    q: Option<&'a str>,
    #[serde(borrow, default)]
    X: Option<&'a str>,
    #[serde(default)]
    m: Option<bool>,
    #[serde(default)]
    result: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    id: Option<serde::de::IgnoredAny>,
}

fn drop<'a>(reason: DropReason, symbol: Option<&'a str>, detail: impl Into<String>) -> Frame<'a> {
    Frame::Drop {
        reason,
        symbol,
        detail: clip(detail.into()),
    }
}

/// Longest drop detail kept: a frame carrying a huge bad value must not
/// become a huge log line or status field.
const MAX_DETAIL: usize = 200;

/// Cuts `s` to [`MAX_DETAIL`] bytes, on a character boundary, saying so.
fn clip(mut s: String) -> String {
    if s.len() > MAX_DETAIL {
        let cut = (0..=MAX_DETAIL)
            .rev()
            .find(|&i| s.is_char_boundary(i))
            .unwrap_or(0);
        let len = s.len();
        s.truncate(cut);
        s.push_str(&format!("... ({len} bytes)"));
    }
    s
}

/// The latest event or trade time a frame may carry (2100-01-01), ms.
pub const MAX_TIME_MS: i64 = 4_102_444_800_000;

/// Parses one frame. Never panics; every failure names a [`DropReason`].
///
/// ```
/// use spreadwatch_engine::sources::frame::{parse_frame, Frame};
/// let text = r#"{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":1700000000100,"s":"BTCUSDT","a":7000000000,"p":"43000.10","q":"0.012","f":5000000000,"l":5000000002,"T":1700000000090,"m":true}}"#;
/// let Frame::Trade(t) = parse_frame(text.as_bytes()) else { panic!() };
/// assert_eq!(t.symbol, "BTCUSDT");
/// assert_eq!(t.tick.count, 3);
/// assert_eq!(t.tick.price.to_string(), "43000.1");
/// ```
pub fn parse_frame(bytes: &[u8]) -> Frame<'_> {
    match parse(bytes) {
        Ok(frame) | Err(frame) => frame,
    }
}

/// A parsing step: its value, or the frame the parse ends with (a drop or
/// a control message).
type Step<'a, T> = Result<T, Frame<'a>>;

fn parse(bytes: &[u8]) -> Step<'_, Frame<'_>> {
    let node: Node<'_> = serde_json::from_slice(bytes).map_err(|e| {
        let reason = match e.is_data() {
            true => DropReason::MissingField,
            false => DropReason::Malformed,
        };
        drop(reason, None, e.to_string())
    })?;
    let recv_us = node.recv_us;
    let (ev, stream) = match node.data {
        Some(d) => (*d, node.stream),
        None => (node, None),
    };
    let (kind, e) = event_kind(&ev, stream)?;
    let symbol =
        ev.s.ok_or_else(|| drop(DropReason::MissingField, None, "no symbol \"s\""))?;
    let sym = Some(symbol);
    let (Some(event_ms), Some(time_ms), Some(p), Some(q), Some(m)) = (ev.E, ev.T, ev.p, ev.q, ev.m)
    else {
        let detail = format!("{e} frame lacks one of E, T, p, q, m");
        return Err(drop(DropReason::MissingField, sym, detail));
    };
    let (id, first_id, last_id) = match kind {
        StreamKind::AggTrade => agg_ids(&ev, sym)?,
        StreamKind::Trade => trade_id(&ev, symbol)?,
    };
    let price = number(p, "price", |v| v.is_positive(), "is not positive", sym)?;
    let qty = number(q, "quantity", |v| v.units() >= 0, "is negative", sym)?;
    check_times(time_ms, event_ms, sym)?;
    let count = u32::try_from((last_id - first_id).saturating_add(1)).unwrap_or(u32::MAX);
    let tick = Tick {
        time_ms,
        id,
        first_id,
        price,
        qty,
        count,
        buyer_maker: m,
    };
    Ok(Frame::Trade(ParsedTrade {
        symbol,
        tick,
        event_ms,
        recv_us,
        kind,
    }))
}

/// The trade stream an event comes from; a reply to a request is
/// [`Frame::Control`].
fn event_kind<'a>(ev: &Node<'a>, stream: Option<&str>) -> Step<'a, (StreamKind, &'a str)> {
    let Some(e) = ev.e else {
        if ev.result.is_some() || ev.id.is_some() {
            return Err(Frame::Control);
        }
        return Err(drop(DropReason::MissingField, ev.s, "no event type \"e\""));
    };
    match e {
        "aggTrade" => Ok((StreamKind::AggTrade, e)),
        "trade" => Ok((StreamKind::Trade, e)),
        other => {
            let detail = format!("event type {other:?} on stream {}", stream.unwrap_or("-"));
            Err(drop(DropReason::UnknownEvent, ev.s, detail))
        }
    }
}

/// An aggregate trade's id, first and last trade ids.
fn agg_ids<'a>(ev: &Node<'a>, sym: Option<&'a str>) -> Step<'a, (u64, u64, u64)> {
    match (ev.a, ev.f, ev.l) {
        (Some(a), Some(f), Some(l)) if l >= f => Ok((a, f, l)),
        (Some(_), Some(_), Some(_)) => {
            Err(drop(DropReason::MissingField, sym, "aggTrade with l < f"))
        }
        _ => Err(drop(
            DropReason::MissingField,
            sym,
            "aggTrade lacks one of a, f, l",
        )),
    }
}

/// A market trade's id; other kinds of trade end the parse as
/// [`Frame::NonMarket`] (their id still counts for the gap check).
fn trade_id<'a>(ev: &Node<'a>, symbol: &'a str) -> Step<'a, (u64, u64, u64)> {
    let sym = Some(symbol);
    match ev.X {
        Some("MARKET") => {}
        Some(other) => {
            let detail = format!("trade with X={other:?}");
            return Err(match ev.t {
                Some(id) => Frame::NonMarket { symbol, id, detail },
                None => drop(DropReason::NonMarket, sym, detail),
            });
        }
        None => return Err(drop(DropReason::MissingField, sym, "trade lacks X")),
    }
    match ev.t {
        Some(t) => Ok((t, t, t)),
        None => Err(drop(DropReason::MissingField, sym, "trade lacks t")),
    }
}

/// A decimal field that must pass `ok` (else it is dropped as `bad`).
fn number<'a>(
    text: &str,
    name: &str,
    ok: impl Fn(&Fixed) -> bool,
    bad: &str,
    sym: Option<&'a str>,
) -> Step<'a, Fixed> {
    match Fixed::parse(text) {
        Ok(v) if ok(&v) => Ok(v),
        Ok(_) => Err(drop(
            DropReason::BadNumber,
            sym,
            format!("{name} {text:?} {bad}"),
        )),
        Err(err) => Err(drop(DropReason::BadNumber, sym, format!("{name}: {err}"))),
    }
}

/// Times outside 1970..2100 are corrupt, and would overflow bucket maths.
fn check_times<'a>(time_ms: i64, event_ms: i64, sym: Option<&'a str>) -> Step<'a, ()> {
    let range = 0..=MAX_TIME_MS;
    if range.contains(&time_ms) && range.contains(&event_ms) {
        return Ok(());
    }
    let detail = format!("time T={time_ms} or E={event_ms} out of range");
    Err(drop(DropReason::BadNumber, sym, detail))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const AGG: &str = r#"{"e":"aggTrade","E":123456789,"s":"BNBUSDT","a":5933014,"p":"0.001","q":"100","f":100,"l":105,"T":123456785,"m":true}"#;
    const TRADE: &str = r#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1700000000100,"T":1700000000090,"s":"BTCUSDT","t":5000000001,"p":"43000.10","q":"0.012","X":"MARKET","m":false}}"#;

    #[test]
    fn parses_the_documented_aggtrade_payload() {
        let Frame::Trade(t) = parse_frame(AGG.as_bytes()) else {
            panic!()
        };
        assert_eq!(
            (t.tick.id, t.tick.first_id, t.tick.count),
            (5933014, 100, 6)
        );
        assert_eq!(t.tick.qty.units(), 100 * 100_000_000);
        assert_eq!((t.event_ms, t.tick.time_ms), (123456789, 123456785));
        assert!(t.tick.buyer_maker);
        assert_eq!(t.kind, StreamKind::AggTrade);
    }

    #[test]
    fn parses_combined_trade_frames() {
        let Frame::Trade(t) = parse_frame(TRADE.as_bytes()) else {
            panic!()
        };
        assert_eq!(t.tick.id, 5_000_000_001);
        assert_eq!(t.tick.count, 1);
        assert_eq!(t.kind, StreamKind::Trade);
    }

    #[test]
    fn each_failure_has_its_reason() {
        let cases: &[(&str, DropReason)] = &[
            ("{not json", DropReason::Malformed),
            ("", DropReason::Malformed),
            ("[1,2]", DropReason::MissingField),
            (
                r#"{"e":"markPriceUpdate","s":"BTCUSDT"}"#,
                DropReason::UnknownEvent,
            ),
            (
                r#"{"e":"trade","E":1,"T":1,"s":"BTCUSDT","t":1,"p":"0.00","q":"0.000","X":"NA","m":false}"#,
                DropReason::NonMarket,
            ),
            (
                r#"{"e":"trade","E":1,"T":1,"s":"BTCUSDT","t":1,"p":"abc","q":"1","X":"MARKET","m":false}"#,
                DropReason::BadNumber,
            ),
            (
                r#"{"e":"trade","E":1,"T":1,"s":"BTCUSDT","t":1,"p":"0","q":"1","X":"MARKET","m":false}"#,
                DropReason::BadNumber,
            ),
            (
                r#"{"e":"aggTrade","E":1,"s":"BTCUSDT","p":"1","q":"1","T":1,"m":true}"#,
                DropReason::MissingField,
            ),
            (
                r#"{"e":"aggTrade","E":"x","s":"BTCUSDT"}"#,
                DropReason::MissingField,
            ),
        ];
        for (text, want) in cases {
            match parse_frame(text.as_bytes()) {
                Frame::Drop { reason, .. } => assert_eq!(reason, *want, "{text}"),
                // Dropped too, but its id still counts for the gap check.
                Frame::NonMarket { id, .. } => {
                    assert_eq!((DropReason::NonMarket, 1), (*want, id), "{text}")
                }
                other => panic!("{text}: expected drop, got {other:?}"),
            }
        }
    }

    #[test]
    fn subscription_replies_are_control() {
        assert_eq!(parse_frame(br#"{"result":null,"id":1}"#), Frame::Control);
    }

    #[test]
    fn recorded_frames_carry_their_receive_time() {
        let rec = format!("{{\"recv_us\":1700000000123456,{}", &TRADE[1..]);
        let Frame::Trade(t) = parse_frame(rec.as_bytes()) else {
            panic!()
        };
        assert_eq!(t.recv_us, Some(1_700_000_000_123_456));
    }

    #[test]
    fn absurd_times_and_id_ranges_are_refused_or_clamped() {
        let far = r#"{"e":"aggTrade","E":9223372036854775807,"s":"BTCUSDT","a":1,"p":"1","q":"1","f":1,"l":1,"T":9223372036854775807,"m":true}"#;
        assert!(matches!(
            parse_frame(far.as_bytes()),
            Frame::Drop {
                reason: DropReason::BadNumber,
                ..
            }
        ));
        let wide = r#"{"e":"aggTrade","E":1,"s":"BTCUSDT","a":1,"p":"1","q":"1","f":0,"l":18446744073709551615,"T":1,"m":true}"#;
        let Frame::Trade(t) = parse_frame(wide.as_bytes()) else {
            panic!()
        };
        assert_eq!(t.tick.count, u32::MAX);
        assert!(t.tick.last_id() >= t.tick.first_id);
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse_frame(&bytes);
        }

        #[test]
        fn mutated_frames_never_panic(pos in 0usize..200, byte in any::<u8>()) {
            let mut b = TRADE.as_bytes().to_vec();
            let i = pos % b.len();
            b[i] = byte;
            let _ = parse_frame(&b);
        }
    }

    #[test]
    fn a_huge_bad_value_is_cut_in_the_drop_detail() {
        let price = "9".repeat(5_000_000);
        let line = TRADE.replace("\"43000.10\"", &format!("\"{price}x\""));
        let Frame::Drop { detail, .. } = parse_frame(line.as_bytes()) else {
            panic!("not dropped")
        };
        assert!(detail.len() < 300, "{} bytes", detail.len());
        assert!(
            detail.starts_with("price: ") && detail.ends_with("bytes)"),
            "{detail}"
        );
    }
}
