//! JSON lines, derived with serde from the very types the text is made from: an event is its
//! `Event` variant (tagged `event`) plus who and when; a summary is its `Summary` variant
//! (tagged `kind`) under `"event": "summary"`; a bench row is its `Measurement`.

use serde::{Serialize, Serializer};

use crate::bench::model::Measurement;
use crate::event::{Event, Role, Summary};

/// Times are seconds with microseconds, as in the text lines.
fn micros<S: Serializer>(time: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((time * 1e6).round() / 1e6)
}

#[derive(Serialize)]
struct EventLine<'a> {
    #[serde(flatten)]
    event: &'a Event<'a>,
    role: Role,
    pid: i32,
    /// Seconds, on the clock chosen with `--clock`.
    #[serde(serialize_with = "micros")]
    time: f64,
}

#[derive(Serialize)]
struct SummaryLine<'a> {
    event: &'static str,
    #[serde(flatten)]
    summary: &'a Summary,
    pid: i32,
    #[serde(serialize_with = "micros")]
    time: f64,
}

pub fn event(event: &Event<'_>, role: Role, pid: i32, time: f64) -> String {
    to_line(&EventLine {
        event,
        role,
        pid,
        time,
    })
}

pub fn summary(summary: &Summary, pid: i32, time: f64) -> String {
    to_line(&SummaryLine {
        event: "summary",
        summary,
        pid,
        time,
    })
}

pub fn measurement(measurement: &Measurement) -> String {
    to_line(measurement)
}

fn to_line(value: &impl Serialize) -> String {
    // Our types hold only strings, numbers and booleans, which always serialize.
    serde_json::to_string(value).unwrap_or_else(|e| format!("{{\"serialize_error\":\"{e}\"}}"))
}

#[allow(clippy::unwrap_used, clippy::expect_used)]
#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Data, ReadCounts};

    #[test]
    fn events_carry_data_length_and_a_rounded_time() {
        let line = event(
            &Event::Received {
                data: Data(b"Spam 000\n"),
                son: Some(crate::event::SonId::Process { son: 9 }),
                partial: None,
                record_bytes: None,
                priority: None,
                queued: None,
                timing: None,
                record: None,
            },
            Role::Father,
            7,
            1.123_456_789,
        );
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(value["event"], "received");
        assert_eq!(value["data"], "Spam 000\\n");
        assert_eq!(value["bytes"], 9);
        assert_eq!(value["son"], 9);
        assert_eq!(value["role"], "father");
        assert_eq!(value["time"].to_string(), "1.123457");
        assert!(value.get("partial").is_none());
    }

    #[test]
    fn summaries_are_tagged_by_kind_and_round_their_time() {
        let counts = ReadCounts {
            messages: 3,
            ..ReadCounts::default()
        };
        let line = summary(
            &Summary::Reads {
                counts,
                why: None,
                waiting: None,
            },
            5,
            2.000_000_49,
        );
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(value["event"], "summary");
        assert_eq!(value["kind"], "reads");
        assert_eq!(value["messages"], 3);
        assert_eq!(value["time"].to_string(), "2.0");
    }
}
