//! Bench results that leave the terminal, as hyperfine's `--export-*` do: JSON with the
//! machine's facts and the command line, plain CSV (one header line, one line per row, nothing
//! else) that any tool reads, and a Markdown table to paste in an issue. Every file is written
//! whole or not at all (`sys::atomic_file`); a run a signal stopped writes none.
//!
//! The numbers of all three come from one place: JSON and CSV from the rows' serde form, so
//! they agree to the last digit; Markdown from the very cells of the terminal table.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use super::text::Words;
use crate::bench::model::Measurement;
use crate::sys::atomic_file::Prepared;
use crate::sys::machine::Machine;

/// Where to write a run's results, lowered from the command line.
#[derive(Debug, Clone, Default)]
pub struct Exports {
    pub json: Option<PathBuf>,
    pub csv: Option<PathBuf>,
    pub markdown: Option<PathBuf>,
    /// An SVG picture of the rows (`report::plot`).
    pub plot: Option<PathBuf>,
    /// The command line, as given, for the record.
    pub command: Vec<String>,
}

impl Exports {
    pub fn any(&self) -> bool {
        self.json.is_some() || self.csv.is_some() || self.markdown.is_some() || self.plot.is_some()
    }
}

/// The JSON export: what ran, where, and every row.
#[derive(Serialize)]
struct Document<'a> {
    ipcdemo_version: &'static str,
    command: &'a [String],
    /// When the run ended, in seconds since the Unix epoch.
    finished_unix_s: f64,
    machine: &'a Machine,
    rows: &'a [Measurement],
}

/// The CSV columns: the rows' JSON fields, `mode`'s with a `mode_` prefix, `skipped` as its
/// reason and `skipped_max_bytes`. The histogram stays in the JSON.
const CSV_COLUMNS: [&str; 44] = [
    "mechanism",
    "measure",
    "size_bytes",
    "skipped",
    "skipped_max_bytes",
    "bytes",
    "seconds",
    "bytes_per_second",
    "messages",
    "messages_per_second",
    "rounds",
    "rtt_p50_us",
    "rtt_p90_us",
    "rtt_p99_us",
    "rtt_p999_us",
    "rtt_max_us",
    "rtt_mean_us",
    "round_trips_per_second",
    "pipe_size_bytes",
    "cpu_parent_user_s",
    "cpu_parent_sys_s",
    "cpu_child_user_s",
    "cpu_child_sys_s",
    "cpu_us_per_round_trip",
    "cpu_s_per_gib",
    "copy_ceiling_bytes_per_second",
    "notes",
    "mode_zero_copy",
    "mode_pipe_size_bytes",
    "mode_busy_poll",
    "mode_huge_pages",
    "mode_pin",
    "mode_cpu_parent",
    "mode_cpu_child",
    "mode_max_messages",
    "mode_message_size_bytes",
    "mode_ring_bytes",
    "mode_mean_only",
    "histogram_buckets",
    "fan_in_senders",
    "fan_in_record_bytes",
    "fan_in_sender_bytes",
    "fan_in_share_min",
    "fan_in_share_max",
];

/// The JSON document.
pub fn json(rows: &[Measurement], machine: &Machine, command: &[String]) -> String {
    let finished_unix_s = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    let document = Document {
        ipcdemo_version: env!("CARGO_PKG_VERSION"),
        command,
        finished_unix_s,
        machine,
        rows,
    };
    // Serialising plain data with string keys cannot fail; an empty object if it ever did.
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_else(|_| "{}".into());
    text.push('\n');
    text
}

/// The CSV: a header line, then a line per row.
pub fn csv(rows: &[Measurement]) -> String {
    let mut text = CSV_COLUMNS.join(",");
    text.push('\n');
    for row in rows {
        let value = serde_json::to_value(row).unwrap_or(Value::Null);
        let cells: Vec<String> = CSV_COLUMNS
            .iter()
            .map(|column| csv_cell(&csv_value(&value, column)))
            .collect();
        text.push_str(&cells.join(","));
        text.push('\n');
    }
    text
}

/// A column's value in a row's JSON form.
fn csv_value(row: &Value, column: &str) -> Value {
    match column {
        "skipped" => row["skipped"]["reason"].clone(),
        "skipped_max_bytes" => row["skipped"]["max_bytes"].clone(),
        "notes" => match row["notes"].as_array() {
            Some(notes) if !notes.is_empty() => Value::String(
                notes
                    .iter()
                    .map(|note| match note {
                        Value::String(name) => name.clone(),
                        other => other.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            _ => Value::Null,
        },
        "mode_cpu_parent" => row["mode"]["cpus"][0].clone(),
        "mode_cpu_child" => row["mode"]["cpus"][1].clone(),
        "histogram_buckets" => row["histogram"]
            .as_array()
            .map_or(Value::Null, |b| Value::from(b.len())),
        // Each sender's bytes, in sender order, a space between.
        "fan_in_sender_bytes" => {
            row["fan_in"]["sender_bytes"]
                .as_array()
                .map_or(Value::Null, |each| {
                    Value::String(
                        each.iter()
                            .map(Value::to_string)
                            .collect::<Vec<_>>()
                            .join(" "),
                    )
                })
        }
        _ => match (column.strip_prefix("mode_"), column.strip_prefix("fan_in_")) {
            (Some(field), _) => row["mode"][field].clone(),
            (_, Some(field)) => row["fan_in"][field].clone(),
            (None, None) => row[column].clone(),
        },
    }
}

/// RFC 4180: a value with a comma, a quote or a line break goes in quotes, its quotes doubled;
/// null is an empty cell.
fn csv_cell(value: &Value) -> String {
    let text = match value {
        Value::Null => return String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// The Markdown page: a title, the facts, the table (its header and cells as the terminal
/// shows them, in the run's language) and the reading.
pub fn markdown(
    words: &dyn Words,
    table: &[Vec<String>],
    reading: &str,
    machine: &Machine,
    command: &[String],
) -> String {
    let mut text = format!("# {}\n\n", words.export_title());
    for line in super::text::machine_facts(words, machine, env!("CARGO_PKG_VERSION"), command) {
        text.push_str(&format!("- {}\n", escape_markdown(&line)));
    }
    text.push('\n');
    for (i, row) in table.iter().enumerate() {
        let cells: Vec<String> = row.iter().map(|c| escape_markdown(c)).collect();
        text.push_str(&format!("| {} |\n", cells.join(" | ")));
        if i == 0 {
            text.push_str(&format!("|{}\n", "---|".repeat(row.len())));
        }
    }
    text.push('\n');
    text.push_str(&escape_markdown(reading));
    text.push('\n');
    text
}

/// A cell or line that cannot break the table: `|` escaped, no line breaks.
fn escape_markdown(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// The file for `path` with `contents`, complete but not yet in place; none when `give_up`
/// said to stop first.
pub fn prepare(
    path: &Path,
    contents: &str,
    give_up: &dyn Fn() -> bool,
) -> std::io::Result<Option<Prepared>> {
    crate::sys::atomic_file::prepare(path, &mut |out| {
        if give_up() {
            return Ok(false);
        }
        out.write_all(contents.as_bytes())?;
        Ok(!give_up())
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_cell_with_a_comma_or_a_quote_is_quoted() {
        assert_eq!(csv_cell(&Value::Null), "");
        assert_eq!(csv_cell(&Value::from(1.5)), "1.5");
        assert_eq!(csv_cell(&Value::from("pipe")), "pipe");
        assert_eq!(csv_cell(&Value::from("a,b")), "\"a,b\"");
        assert_eq!(csv_cell(&Value::from("say \"hi\"")), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn a_pipe_in_a_markdown_cell_cannot_split_it() {
        assert_eq!(escape_markdown("a|b\nc"), "a\\|b c");
    }
}
