//! `--timeline`: a live, vertical swimlane drawn as events happen, time running down the
//! screen: the son's writes on the left, the bytes in the pipe between, the father's reads on
//! the right, with how long each read waited and how many writes it carried. It fits 80
//! columns; data too long for its lane is elided with `…`.

use std::sync::Mutex;

use super::text::{TimelineWord, Words};
use crate::event::{Channel, Event, Role};

/// Box-drawing or plain ASCII.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimelineStyle {
    pub ascii: bool,
}

const WIDTH: usize = 80;
const TIME: usize = 6;
const SON: usize = 22;
const PIPE: usize = 6;

/// What the timeline remembers between rows.
#[derive(Debug, Default)]
struct State {
    /// The time of the first row: rows show seconds since it.
    origin: Option<f64>,
    /// Bytes in the pipe: added at each write's call, taken off at each read's return.
    in_pipe: i64,
    header: bool,
    /// What the middle column counts (`None`: a son alone, whose bytes nobody counts).
    channel: Option<Channel>,
}

pub struct Timeline {
    style: TimelineStyle,
    state: Mutex<State>,
}

impl Timeline {
    /// A timeline whose rows count seconds from `origin` (the start of the run, on its clock):
    /// no row can show a time before it.
    pub fn new(style: TimelineStyle, origin: f64) -> Timeline {
        Timeline {
            style,
            state: Mutex::new(State {
                origin: Some(origin),
                ..State::default()
            }),
        }
    }

    fn glyphs(&self) -> Glyphs {
        if self.style.ascii {
            Glyphs {
                arrow: "-->",
                into: ">",
                lane: "|",
                more: "...",
                back: "<-",
                rule: '-',
            }
        } else {
            Glyphs {
                arrow: "──▶",
                into: "▶",
                lane: "│",
                more: "…",
                back: "←",
                rule: '─',
            }
        }
    }

    /// The lines to draw for one event (the header first, before the first row); nothing for
    /// an event the timeline does not draw.
    pub fn rows(
        &self,
        words: &dyn Words,
        time: f64,
        role: Role,
        pid: i32,
        event: &Event<'_>,
    ) -> Vec<String> {
        let Ok(mut state) = self.state.lock() else {
            return Vec::new();
        };
        let g = self.glyphs();
        let mut lines = Vec::new();
        if !state.header {
            state.header = true;
            let (son, father) = match (*event, role) {
                (
                    Event::Lanes {
                        son,
                        father,
                        channel,
                    },
                    _,
                ) => {
                    state.channel = Some(channel);
                    (
                        son.map_or_else(String::new, |son| {
                            format!("{} {son}", words.timeline(TimelineWord::Son))
                        }),
                        format!("{} {father}", words.timeline(TimelineWord::Father)),
                    )
                }
                // A son or a father alone in its terminal draws its own lane.
                (_, Role::Son) => (
                    format!("{} {pid}", words.timeline(TimelineWord::Son)),
                    String::new(),
                ),
                (_, Role::Father) => (
                    String::new(),
                    format!("{} {pid}", words.timeline(TimelineWord::Father)),
                ),
            };
            lines.push(format!(
                "{:>TIME$}  {}{:>PIPE$}  {}",
                "s",
                pad(&son, SON),
                words.timeline(TimelineWord::Pipe),
                father
            ));
            lines.push(g.rule.to_string().repeat(WIDTH));
        }
        let origin = *state.origin.get_or_insert(time);
        let at = format!("{:>TIME$.3}", time - origin);
        match *event {
            Event::Sent { data, timing, .. } => {
                let bytes = data.0.len() as i64;
                state.in_pipe += bytes;
                let _ = timing;
                let pipe = match state.channel {
                    Some(Channel::Pipe) => state.in_pipe.max(0).to_string(),
                    _ => String::new(),
                };
                let label = format!("{} [", words.timeline(TimelineWord::Write));
                let tail = format!("] {}", g.arrow);
                let room = SON.saturating_sub(label.chars().count() + tail.chars().count());
                let son = format!("{label}{}{tail}", elide_data(data.0, room, g.more));
                lines.push(format!("{at}  {}{pipe:>PIPE$}  {}", pad(&son, SON), g.lane));
            }
            // A FIFO father's lines: its reads are drawn instead (`Event::Read`).
            Event::Received { .. } if state.channel == Some(Channel::Fifo) => {}
            Event::Read { data, timing }
            | Event::Received {
                data,
                timing: Some(timing),
                ..
            } => {
                let timing = Some(timing);
                let n = data.0.len();
                state.in_pipe -= n as i64;
                let mut after = String::new();
                if let Some(timing) = timing {
                    if let Some(writes) = timing.writes.filter(|w| *w > 1) {
                        after.push_str(&format!(
                            " {} {}",
                            g.back,
                            words.timeline(TimelineWord::Writes(writes))
                        ));
                    }
                    if timing.waited_us >= 1000.0 {
                        after.push_str(&format!(
                            " {}",
                            words.timeline(TimelineWord::Waited(timing.waited_us / 1000.0))
                        ));
                    }
                    // Where the father measured it (FIONREAD just before the read), the column
                    // shows that; else the running count.
                    if timing.writes.is_none() {
                        state.in_pipe = timing.in_pipe.map_or(state.in_pipe, |b| b as i64);
                    }
                }
                let label = format!("{} {n} [", g.into);
                let fixed = TIME + 2 + SON + PIPE + 2 + label.chars().count() + 1;
                let room = WIDTH.saturating_sub(fixed + after.chars().count());
                let father = format!("{label}{}]{after}", elide_data(data.0, room, g.more));
                lines.push(format!(
                    "{at}  {}{:>PIPE$}  {father}",
                    pad("", SON),
                    state.in_pipe.max(0)
                ));
            }
            Event::Eof => lines.push(format!(
                "{at}  {}{:>PIPE$}  {} {}",
                pad("", SON),
                state.in_pipe.max(0),
                g.into,
                words.timeline(TimelineWord::EndOfFile)
            )),
            _ => {}
        }
        lines.into_iter().map(|l| cut(&l, WIDTH, g.more)).collect()
    }

    /// The legend, said once at the end.
    pub fn legend(&self, words: &dyn Words) -> Option<String> {
        let channel = self.state.lock().ok()?.channel?;
        Some(words.timeline(TimelineWord::Legend(channel)))
    }
}

struct Glyphs {
    arrow: &'static str,
    into: &'static str,
    lane: &'static str,
    more: &'static str,
    back: &'static str,
    rule: char,
}

/// `text` padded with spaces to `width` characters (or cut).
fn pad(text: &str, width: usize) -> String {
    let n = text.chars().count();
    if n >= width {
        text.chars().take(width).collect()
    } else {
        format!("{text}{}", " ".repeat(width - n))
    }
}

/// `text` in at most `room` characters, ending with `more` when cut.
fn elide(text: &str, room: usize, more: &str) -> String {
    if text.chars().count() <= room {
        return text.to_string();
    }
    let keep = room.saturating_sub(more.chars().count());
    format!("{}{more}", text.chars().take(keep).collect::<String>())
}

/// Bytes escaped as event lines show them, in at most `room` characters, cut between escapes
/// (never in the middle of a `\x00`).
fn elide_data(bytes: &[u8], room: usize, more: &str) -> String {
    let whole = bytes.escape_ascii().to_string();
    if whole.chars().count() <= room {
        return whole;
    }
    let keep = room.saturating_sub(more.chars().count());
    let mut out = String::new();
    for byte in bytes {
        let piece = std::slice::from_ref(byte).escape_ascii().to_string();
        if out.len() + piece.len() > keep {
            break;
        }
        out.push_str(&piece);
    }
    format!("{out}{more}")
}

/// A line in at most `width` characters.
fn cut(line: &str, width: usize, more: &str) -> String {
    elide(line.trim_end(), width, more)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn data_is_cut_between_escapes() {
        assert_eq!(elide_data(b"\x00\xffabc\x00\x01", 10, "…"), "\\x00\\xffa…");
        assert_eq!(elide_data(b"a\x00\xff", 7, "…"), "a\\x00…");
        assert_eq!(elide_data(b"Spam", 10, "…"), "Spam");
    }

    #[test]
    fn elision_keeps_within_room() {
        assert_eq!(elide("Spam 004Spam 000", 10, "…"), "Spam 004S…");
        assert_eq!(elide("Spam", 10, "…"), "Spam");
        assert_eq!(pad("ab", 4), "ab  ");
    }
}
