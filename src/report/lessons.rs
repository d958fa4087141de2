//! The map of the lessons: one list, in teaching order, from which `ipcdemo` alone, `--help`
//! (the map and each subcommand's "Lesson N" line) and the README's copy are all made.

use super::text::Words;

/// A lesson of the map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lesson {
    Anon,
    AnonFork,
    Named,
    Socket,
    Seqpacket,
    Capacity,
    Atomic,
    Signal,
    Mq,
    Fds,
    Exec,
    ShmRace,
    Shm,
    Bench,
}

/// The lessons in order, each with the command that runs it and the subcommand it belongs to.
pub const MAP: [(Lesson, &str, &str); 14] = [
    (Lesson::Anon, "ipcdemo anon", "anon"),
    (Lesson::AnonFork, "ipcdemo anon --fork", "anon"),
    (Lesson::Named, "ipcdemo named", "named"),
    (Lesson::Socket, "ipcdemo socket", "socket"),
    (Lesson::Seqpacket, "ipcdemo socket --seqpacket", "socket"),
    (Lesson::Capacity, "ipcdemo capacity", "capacity"),
    (Lesson::Atomic, "ipcdemo atomic --sweep", "atomic"),
    (Lesson::Signal, "ipcdemo signal --blocked", "signal"),
    (Lesson::Mq, "ipcdemo mq", "mq"),
    (Lesson::Fds, "ipcdemo fds --forget-close", "fds"),
    (Lesson::Exec, "ipcdemo exec -- tr a-z A-Z", "exec"),
    (Lesson::ShmRace, "ipcdemo shm race", "shm"),
    (Lesson::Shm, "ipcdemo shm", "shm"),
    (Lesson::Bench, "ipcdemo bench --quick", "bench"),
];

/// The whole map, as `ipcdemo` alone prints it.
pub fn map(words: &dyn Words) -> String {
    let width = MAP
        .iter()
        .map(|(_, command, _)| command.len())
        .max()
        .unwrap_or(0);
    let mut text = format!("{}\n", words.lessons_intro());
    for (number, (lesson, command, _)) in MAP.iter().enumerate() {
        // Numbers right-aligned in three columns: "  9." and " 10." line up.
        text += &format!(
            "{:>3}. {command:<width$}   {}\n",
            number + 1,
            words.lesson(*lesson)
        );
    }
    text += words.lessons_outro();
    text
}

/// The lesson numbers of a subcommand ("1–2", "3"), for its one-line help.
pub fn numbers_of(subcommand: &str) -> Option<String> {
    let numbers: Vec<usize> = MAP
        .iter()
        .enumerate()
        .filter(|(_, (_, _, sub))| *sub == subcommand)
        .map(|(i, _)| i + 1)
        .collect();
    match numbers.as_slice() {
        [] => None,
        [one] => Some(one.to_string()),
        [first, .., last] => Some(format!("{first}–{last}")),
    }
}
