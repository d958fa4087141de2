//! Every sentence ipcdemo says to a person, in each language, side by side: adding a
//! language means adding one arm per message here and nothing elsewhere.

use std::fmt;
use std::path::Path;

use crate::atomic::AtomicRun;
use crate::bench::Measurement;
use crate::capacity::{CapacityReport, PIPE_BUF};
use crate::cli::Lang;
use crate::pipesize::Refused;
use crate::rendezvous::{FileKind, Refusal};
use crate::report::{Event, ReadSummary, Role, escape, format_time, lang};

/// What we were doing on a path when a system call failed: the context of an error, before
/// the errno says why.
#[derive(Debug, Clone, Copy)]
pub enum Doing {
    CreatingFolder,
    Examining,
    CreatingFifo,
    Opening,
    SettingMode0600,
    Reading,
    Reopening,
    MakingBlocking,
    WritingTo,
    RemovingStaleSocket,
    CheckingInUse,
    Binding,
    ListeningOn,
    Publishing,
    ConnectingTo,
}

/// `Doing` on `path`, as an error context in the run's language.
pub fn doing(what: Doing, path: &Path) -> String {
    let p = path.display();
    let pt = lang() == Lang::Pt;
    match (what, pt) {
        (Doing::CreatingFolder, false) => format!("creating the folder {p}"),
        (Doing::CreatingFolder, true) => format!("criando a pasta {p}"),
        (Doing::Examining, false) => format!("examining {p}"),
        (Doing::Examining, true) => format!("examinando {p}"),
        (Doing::CreatingFifo, false) => format!("creating the FIFO {p}"),
        (Doing::CreatingFifo, true) => format!("criando o FIFO {p}"),
        (Doing::Opening, false) => format!("opening {p}"),
        (Doing::Opening, true) => format!("abrindo {p}"),
        (Doing::SettingMode0600, false) => format!("setting mode 0600 on {p}"),
        (Doing::SettingMode0600, true) => format!("pondo o modo 0600 em {p}"),
        (Doing::Reading, false) => format!("reading {p}"),
        (Doing::Reading, true) => format!("lendo {p}"),
        (Doing::Reopening, false) => format!("reopening {p} to wait for the next son"),
        (Doing::Reopening, true) => format!("reabrindo {p} para esperar o próximo filho"),
        (Doing::MakingBlocking, false) => format!("making {p} blocking"),
        (Doing::MakingBlocking, true) => format!("tornando {p} bloqueante"),
        (Doing::WritingTo, false) => format!("writing to {p}"),
        (Doing::WritingTo, true) => format!("escrevendo em {p}"),
        (Doing::RemovingStaleSocket, false) => format!("removing the stale socket {p}"),
        (Doing::RemovingStaleSocket, true) => format!("removendo o socket abandonado {p}"),
        (Doing::CheckingInUse, false) => format!("checking whether {p} is in use"),
        (Doing::CheckingInUse, true) => format!("verificando se {p} está em uso"),
        (Doing::Binding, false) => format!("binding {p}"),
        (Doing::Binding, true) => format!("associando (bind) {p}"),
        (Doing::ListeningOn, false) => format!("listening on {p}"),
        (Doing::ListeningOn, true) => format!("escutando em {p}"),
        (Doing::Publishing, false) => format!("publishing {p}"),
        (Doing::Publishing, true) => format!("publicando {p}"),
        (Doing::ConnectingTo, false) => format!("connecting to {p}"),
        (Doing::ConnectingTo, true) => format!("conectando a {p}"),
    }
}

/// One thing to say. `Display` renders it in the run's language.
#[derive(Debug, Clone, Copy)]
pub enum Msg<'a> {
    /// An event line (stdout).
    Event {
        role: Role,
        pid: i32,
        time: f64,
        event: Event<'a>,
    },
    EndOfFile,
    WritingStdout,
    /// The father's summary of what its reads held.
    ReadSummary(&'a ReadSummary),
    /// Why reads and messages differ on a byte stream.
    ByteStreamLesson,
    /// Why they do not on a SOCK_SEQPACKET socket.
    SeqpacketLesson,
    SonSummary {
        pid: i32,
        messages: u64,
        bytes: u64,
    },
    FatherWaitingForSon(&'a Path),
    SonWaitingForFather(&'a Path),
    AllSonsGone(&'a Path),
    CreatedFifo(&'a Path),
    FifoReadableByOthers(&'a Path),
    FatherWentAway {
        path: &'a Path,
        sent: u64,
    },
    NoFatherReading(&'a Path),
    SocketListening {
        path: &'a Path,
        seqpacket: bool,
    },
    StaleSocketReplaced(&'a Path),
    /// accept(2) failed with EMFILE/ENFILE while this many sons were connected.
    TooManySons(usize),
    AnotherFatherListening(&'a Path),
    NoFatherAtPath(&'a Path),
    StaleSocket(&'a Path),
    SocketTypeMismatch(&'a Path),
    FatherReset {
        path: &'a Path,
        sent: u64,
    },
    FatherHungUp {
        path: &'a Path,
        sent: u64,
    },
    PipeSizeGranted {
        wanted: usize,
        granted: usize,
    },
    PipeSizeRefused(&'a Refused),
    CapacitySummary(&'a CapacityReport),
    CapacityLesson(&'a CapacityReport),
    Refused {
        path: &'a Path,
        refusal: Refusal,
    },
    /// The word before an error.
    ErrorPrefix,
    BenchProgress {
        step: usize,
        steps: usize,
        mechanism: &'a str,
        throughput: bool,
    },
    BenchHeader,
    BenchRow(&'a Measurement),
    BenchNote {
        mechanism: &'a str,
        note: &'a str,
    },
    BenchReading(&'a [Measurement]),
    AtomicHeader,
    AtomicRow(&'a AtomicRun),
    Lessons,
}

impl fmt::Display for Msg<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pt = lang() == Lang::Pt;
        match *self {
            Msg::Event {
                role,
                pid,
                time,
                event,
            } => event_line(f, pt, role, pid, &format_time(time), event),
            Msg::EndOfFile if pt => {
                f.write_str("fim de arquivo: todos os escritores fecharam o pipe")
            }
            Msg::EndOfFile => f.write_str("end of file: every writer has closed the pipe"),
            Msg::WritingStdout if pt => f.write_str("escrevendo na saída padrão"),
            Msg::WritingStdout => f.write_str("writing to standard output"),
            Msg::ReadSummary(s) if pt => write!(
                f,
                "resumo: {} mensagens, {} bytes em {} leituras: {} com exatamente uma \
                 mensagem, {} com várias coladas, {} com um pedaço de uma",
                s.messages,
                s.bytes,
                s.reads,
                s.reads_one_message,
                s.reads_several_messages,
                s.reads_part_message
            ),
            Msg::ReadSummary(s) => write!(
                f,
                "summary: {} messages, {} bytes in {} reads: {} held exactly one message, \
                 {} held several glued together, {} held part of one",
                s.messages,
                s.bytes,
                s.reads,
                s.reads_one_message,
                s.reads_several_messages,
                s.reads_part_message
            ),
            Msg::ByteStreamLesson if pt => f.write_str(
                "por quê: um pipe (e um socket SOCK_STREAM) é um fluxo de bytes sem fronteiras de mensagem; read(2) \
                 devolve o que já chegou, até o tamanho pedido (pipe(7), unix(7))",
            ),
            Msg::ByteStreamLesson => f.write_str(
                "why: a pipe (and a SOCK_STREAM socket) is a byte stream with no message boundaries; read(2) returns \
                 whatever has arrived, up to the size asked (pipe(7), unix(7))",
            ),
            Msg::SeqpacketLesson if pt => f.write_str(
                "por quê: SOCK_SEQPACKET preserva as fronteiras: cada read(2) devolve \
                 exatamente uma mensagem (unix(7))",
            ),
            Msg::SeqpacketLesson => f.write_str(
                "why: SOCK_SEQPACKET keeps boundaries: every read(2) returns exactly one \
                 message (unix(7))",
            ),
            Msg::SonSummary {
                pid,
                messages,
                bytes,
            } if pt => write!(f, "filho {pid}: enviou {messages} mensagens, {bytes} bytes"),
            Msg::SonSummary {
                pid,
                messages,
                bytes,
            } => write!(f, "son {pid}: sent {messages} messages, {bytes} bytes"),
            Msg::FatherWaitingForSon(path) if pt => write!(
                f,
                "pai: abrindo {} para leitura; open(2) espera aqui até um filho abri-lo para escrita",
                path.display()
            ),
            Msg::FatherWaitingForSon(path) => write!(
                f,
                "father: opening {} for reading; open(2) waits here until a son opens it for writing",
                path.display()
            ),
            Msg::SonWaitingForFather(path) if pt => write!(
                f,
                "filho: abrindo {} para escrita; open(2) espera aqui até o pai abri-lo para leitura",
                path.display()
            ),
            Msg::SonWaitingForFather(path) => write!(
                f,
                "son: opening {} for writing; open(2) waits here until a father opens it for reading",
                path.display()
            ),
            Msg::AllSonsGone(path) if pt => write!(
                f,
                "pai: todos os filhos saíram (fim de arquivo); esperando o próximo em {}",
                path.display()
            ),
            Msg::AllSonsGone(path) => write!(
                f,
                "father: every son has left (end of file); waiting for the next one on {}",
                path.display()
            ),
            Msg::CreatedFifo(path) if pt => {
                write!(f, "criado o FIFO {} (modo 0600)", path.display())
            }
            Msg::CreatedFifo(path) => write!(f, "created the FIFO {} (mode 0600)", path.display()),
            Msg::FifoReadableByOthers(path) if pt => write!(
                f,
                "aviso: outros usuários podem ler {} e roubar linhas; `chmod 600 {}` impede",
                path.display(),
                path.display()
            ),
            Msg::FifoReadableByOthers(path) => write!(
                f,
                "warning: other users can read {} and steal lines; `chmod 600 {}` stops that",
                path.display(),
                path.display()
            ),
            Msg::FatherWentAway { path, sent } if pt => write!(
                f,
                "o pai foi embora: ninguém mais lê {} (EPIPE); {sent} linhas enviadas",
                path.display()
            ),
            Msg::FatherWentAway { path, sent } => write!(
                f,
                "the father went away: nobody reads {} any more (EPIPE); {sent} lines were sent",
                path.display()
            ),
            Msg::NoFatherReading(path) if pt => write!(
                f,
                "nenhum pai está lendo {} (ENXIO); rode `ipcdemo named` em outro terminal \
                 primeiro, ou tire --no-wait para esperar",
                path.display()
            ),
            Msg::NoFatherReading(path) => write!(
                f,
                "no father is reading {} (ENXIO); start `ipcdemo named` in another terminal \
                 first, or drop --no-wait to wait for one",
                path.display()
            ),
            Msg::SocketListening { path, seqpacket } => {
                let kind = if seqpacket { "SOCK_SEQPACKET" } else { "SOCK_STREAM" };
                if pt {
                    write!(f, "pai: escutando em {} ({kind}); rode `ipcdemo socket --son` em outro terminal", path.display())
                } else {
                    write!(f, "father: listening on {} ({kind}); run `ipcdemo socket --son` in another terminal", path.display())
                }
            }
            Msg::TooManySons(n) if pt => write!(
                f,
                "pai: sem descritores livres (EMFILE) com {n} filhos; os novos esperam na fila \
                 até um sair"
            ),
            Msg::TooManySons(n) => write!(
                f,
                "father: out of file descriptors (EMFILE) with {n} sons; new ones wait in the \
                 backlog until one leaves"
            ),
            Msg::StaleSocketReplaced(path) if pt => write!(
                f,
                "substituído o socket abandonado {} (ninguém escutava: um pai morto com kill -9)",
                path.display()
            ),
            Msg::StaleSocketReplaced(path) => write!(
                f,
                "replaced the stale socket {} (nobody listened: a father killed with -9)",
                path.display()
            ),
            Msg::AnotherFatherListening(path) if pt => write!(
                f,
                "outro pai já está escutando em {}; pare-o ou use outro --path",
                path.display()
            ),
            Msg::AnotherFatherListening(path) => write!(
                f,
                "another father is listening on {}; stop it or pass another --path",
                path.display()
            ),
            Msg::NoFatherAtPath(path) if pt => write!(
                f,
                "nenhum pai escutando em {} (não há nada lá): um socket não espera como um FIFO; \
                 rode `ipcdemo socket` primeiro",
                path.display()
            ),
            Msg::NoFatherAtPath(path) => write!(
                f,
                "no father is listening on {} (nothing is there): unlike a FIFO, connect(2) does \
                 not wait; start `ipcdemo socket` first",
                path.display()
            ),
            Msg::StaleSocket(path) if pt => write!(
                f,
                "nenhum pai escutando em {} (conexão recusada): o arquivo sobrou de um pai que \
                 morreu; rode `ipcdemo socket` primeiro",
                path.display()
            ),
            Msg::StaleSocket(path) => write!(
                f,
                "no father is listening on {} (connection refused): the file was left by a father \
                 that died; start `ipcdemo socket` first",
                path.display()
            ),
            Msg::SocketTypeMismatch(path) if pt => write!(
                f,
                "o pai em {} usa outro tipo de socket; passe --seqpacket nos dois lados ou em nenhum",
                path.display()
            ),
            Msg::SocketTypeMismatch(path) => write!(
                f,
                "the father on {} uses another socket type; pass --seqpacket on both sides or neither",
                path.display()
            ),
            Msg::FatherReset { path, sent } if pt => write!(
                f,
                "o pai foi embora: {} reiniciou a conexão (ECONNRESET); {sent} mensagens enviadas",
                path.display()
            ),
            Msg::FatherReset { path, sent } => write!(
                f,
                "the father went away: {} reset the connection (ECONNRESET); {sent} messages were sent",
                path.display()
            ),
            Msg::FatherHungUp { path, sent } if pt => write!(
                f,
                "o pai desligou antes de responder em {} (fim de arquivo); {sent} mensagens enviadas",
                path.display()
            ),
            Msg::FatherHungUp { path, sent } => write!(
                f,
                "the father hung up on {} before answering (end of file); {sent} messages were sent",
                path.display()
            ),
            Msg::PipeSizeGranted { wanted, granted } if pt => write!(
                f,
                "F_SETPIPE_SZ: pedidos {wanted} bytes, o kernel deu {granted} (arredonda para uma \
                 potência de 2 de páginas)"
            ),
            Msg::PipeSizeGranted { wanted, granted } => write!(
                f,
                "F_SETPIPE_SZ: asked for {wanted} bytes, the kernel granted {granted} (it rounds up \
                 to a power-of-two number of pages)"
            ),
            Msg::PipeSizeRefused(refused) if pt => {
                write!(f, "aviso: {refused}; seguindo com o tamanho atual")
            }
            Msg::PipeSizeRefused(refused) => {
                write!(f, "warning: {refused}; going on with the size the pipe has")
            }
            Msg::CapacitySummary(r) => {
                let reported = r
                    .pipe_size_bytes
                    .map_or_else(|| "?".to_string(), |size| size.to_string());
                if pt {
                    write!(
                        f,
                        "resumo: o {} guardou {} bytes sem leitor (F_GETPIPE_SZ diz {reported}) em \
                         {} escritas de {} {}, {} parciais",
                        r.mechanism,
                        r.held_bytes,
                        r.writes,
                        r.write_size_bytes,
                        bytes_word(r.write_size_bytes),
                        r.partial_writes
                    )
                } else {
                    write!(
                        f,
                        "summary: the {} held {} bytes with no reader (F_GETPIPE_SZ says {reported}) \
                         in {} writes of {} {}, {} partial",
                        r.mechanism,
                        r.held_bytes,
                        r.writes,
                        r.write_size_bytes,
                        bytes_word(r.write_size_bytes),
                        r.partial_writes
                    )
                }
            }
            Msg::CapacityLesson(r) => {
                let small = r.write_size_bytes <= PIPE_BUF;
                match (pt, small) {
                    (false, true) => f.write_str(
                        "why: writes of at most PIPE_BUF (4096) bytes are all-or-nothing, so the \
                         last one was refused whole (EAGAIN)",
                    )?,
                    (false, false) => write!(
                        f,
                        "why: writes above PIPE_BUF (4096) bytes are not atomic: {} took only \
                         the room there was",
                        r.partial_writes
                    )?,
                    (true, true) => f.write_str(
                        "por quê: escritas de até PIPE_BUF (4096) bytes são tudo-ou-nada; a \
                         última foi recusada inteira (EAGAIN)",
                    )?,
                    (true, false) => write!(
                        f,
                        "por quê: escritas acima de PIPE_BUF (4096) bytes não são atômicas: {} \
                         levaram só o espaço que havia",
                        r.partial_writes
                    )?,
                }
                if pt {
                    f.write_str(
                        "\nagora um escritor bloqueante dormiria em write(2) até um leitor abrir \
                         espaço; sem leitor algum, para sempre (pipe(7))",
                    )
                } else {
                    f.write_str(
                        "\na blocking writer would now sleep in write(2) until a reader makes room; \
                         with no reader at all, for ever (pipe(7))",
                    )
                }
            }
            Msg::Refused { path, refusal } => refused(f, pt, path, refusal),
            Msg::ErrorPrefix if pt => f.write_str("erro"),
            Msg::ErrorPrefix => f.write_str("error"),
            Msg::BenchProgress {
                step,
                steps,
                mechanism,
                throughput,
            } => {
                let what = match (throughput, pt) {
                    (true, false) => "throughput",
                    (false, false) => "latency",
                    (true, true) => "vazão",
                    (false, true) => "latência",
                };
                write!(f, "bench [{step}/{steps}] {mechanism} {what}…")
            }
            Msg::BenchHeader if pt => write!(
                f,
                "{:<15} {:<10} {:>7} {:>11} {:>9} {:>14}  modo",
                "mecanismo", "medida", "GiB/s", "mediana µs", "p99 µs", "idas e voltas/s"
            ),
            Msg::BenchHeader => write!(
                f,
                "{:<15} {:<10} {:>7} {:>11} {:>9} {:>14}  mode",
                "mechanism", "measure", "GiB/s", "median µs", "p99 µs", "round trips/s"
            ),
            Msg::BenchRow(m) => {
                let or_dash = |value: Option<f64>, decimals: usize| {
                    value.map_or_else(|| "-".to_string(), |v| format!("{v:.decimals$}"))
                };
                let measure = match (m.measure, pt) {
                    ("throughput", true) => "vazão",
                    ("latency", true) => "latência",
                    (other, _) => other,
                };
                write!(
                    f,
                    "{:<15} {:<10} {:>7} {:>11} {:>9} {:>14}  {}",
                    m.mechanism,
                    measure,
                    or_dash(m.bytes_per_second.map(|b| b / f64::from(1u32 << 30)), 2),
                    or_dash(m.rtt_median_us, 1),
                    or_dash(m.rtt_p99_us, 1),
                    or_dash(m.round_trips_per_second, 0),
                    m.mode
                )
            }
            Msg::BenchNote { mechanism, note } if pt => write!(f, "nota ({mechanism}): {note}"),
            Msg::BenchNote { mechanism, note } => write!(f, "note ({mechanism}): {note}"),
            Msg::BenchReading(results) => bench_reading(f, pt, results),
            Msg::AtomicHeader if pt => f.write_str(
                "tamanho do registro  escritores  registros  rasgados  bytes perdidos  veredito",
            ),
            Msg::AtomicHeader => f.write_str(
                "record size  writers  records  torn  bytes lost  verdict",
            ),
            Msg::AtomicRow(r) => {
                let verdict = match (r.within_pipe_buf(), r.records_torn > 0, pt) {
                    (true, false, false) => "atomic, as pipe(7) promises up to PIPE_BUF",
                    (true, false, true) => "atômico, como pipe(7) promete até PIPE_BUF",
                    (true, true, false) => "TORN: this kernel broke the promise of pipe(7)",
                    (true, true, true) => "RASGADO: este kernel quebrou a promessa de pipe(7)",
                    (false, true, false) => "torn: above PIPE_BUF nothing is promised",
                    (false, true, true) => "rasgado: acima de PIPE_BUF nada é prometido",
                    (false, false, false) => {
                        "none tore this time, but above PIPE_BUF the kernel promised nothing"
                    }
                    (false, false, true) => {
                        "nenhum rasgou desta vez, mas acima de PIPE_BUF o kernel não prometeu nada"
                    }
                };
                let size = crate::units::human_bytes(r.record_size as u64);
                if pt {
                    write!(
                        f,
                        "{size:>20}  {:>10}  {:>9}  {:>8}  {:>14}  {verdict}",
                        r.writers, r.records_written, r.records_torn, r.bytes_lost
                    )
                } else {
                    write!(
                        f,
                        "{size:>11}  {:>7}  {:>7}  {:>4}  {:>10}  {verdict}",
                        r.writers, r.records_written, r.records_torn, r.bytes_lost
                    )
                }
            }
            Msg::Lessons if pt => f.write_str(LESSONS_PT),
            Msg::Lessons => f.write_str(LESSONS_EN),
        }
    }
}

/// The one-line reading of a bench table for a learner.
fn bench_reading(f: &mut fmt::Formatter<'_>, pt: bool, results: &[Measurement]) -> fmt::Result {
    let gib = |m: &Measurement| m.bytes_per_second.unwrap_or(0.0) / f64::from(1u32 << 30);
    let fastest = results
        .iter()
        .filter(|m| m.bytes_per_second.is_some())
        .max_by(|a, b| gib(a).total_cmp(&gib(b)));
    let quickest = results
        .iter()
        .filter(|m| m.rtt_median_us.is_some())
        .min_by(|a, b| {
            a.rtt_median_us
                .unwrap_or(0.0)
                .total_cmp(&b.rtt_median_us.unwrap_or(0.0))
        });
    let tcp = results
        .iter()
        .find(|m| m.mechanism == "tcp" && m.bytes_per_second.is_some());
    f.write_str(if pt { "leitura:" } else { "reading:" })?;
    if let Some(best) = fastest {
        if pt {
            write!(
                f,
                " o fluxo mais rápido foi {} com {:.2} GiB/s",
                best.mechanism,
                gib(best)
            )?;
        } else {
            write!(
                f,
                " the fastest stream was {} at {:.2} GiB/s",
                best.mechanism,
                gib(best)
            )?;
        }
        if let Some(tcp) = tcp.filter(|t| t.mechanism != best.mechanism && gib(t) > 0.0) {
            write!(f, " ({:.1}× tcp)", gib(best) / gib(tcp))?;
        }
        f.write_str(if quickest.is_some() { ";" } else { "." })?;
    }
    if let Some(best) = quickest {
        let median = best.rtt_median_us.unwrap_or(0.0);
        if pt {
            write!(
                f,
                " a ida e volta mais curta foi {} com {median:.1} µs de mediana.",
                best.mechanism
            )?;
        } else {
            write!(
                f,
                " the quickest round trip was {} at {median:.1} µs median.",
                best.mechanism
            )?;
        }
        if median > 20.0 && !best.mode.contains("same CPU") && !best.mode.contains("busy-poll") {
            f.write_str(if pt {
                " Quase todo esse tempo é acordar o outro processo em outra CPU: tente --pin same \
                 ou --busy-poll."
            } else {
                " Most of that is waking the other process on another CPU: try --pin same or \
                 --busy-poll."
            })?;
        }
    }
    Ok(())
}

fn bytes_word(n: usize) -> &'static str {
    if n == 1 { "byte" } else { "bytes" }
}

fn kind_words(kind: FileKind, pt: bool) -> &'static str {
    match (kind, pt) {
        (FileKind::Fifo, false) => "a FIFO",
        (FileKind::Socket, false) => "a socket",
        (FileKind::Symlink, false) => "a symbolic link",
        (FileKind::Regular, false) => "a regular file",
        (FileKind::Directory, false) => "a directory",
        (FileKind::CharDevice, false) => "a character device",
        (FileKind::BlockDevice, false) => "a block device",
        (FileKind::Unknown, false) => "an unknown kind of file",
        (FileKind::Fifo, true) => "um FIFO",
        (FileKind::Socket, true) => "um socket",
        (FileKind::Symlink, true) => "um link simbólico",
        (FileKind::Regular, true) => "um arquivo comum",
        (FileKind::Directory, true) => "uma pasta",
        (FileKind::CharDevice, true) => "um dispositivo de caracteres",
        (FileKind::BlockDevice, true) => "um dispositivo de blocos",
        (FileKind::Unknown, true) => "um tipo desconhecido de arquivo",
    }
}

fn refused(f: &mut fmt::Formatter<'_>, pt: bool, path: &Path, refusal: Refusal) -> fmt::Result {
    let p = path.display();
    if pt {
        write!(f, "recusado usar {p}: ")?;
    } else {
        write!(f, "refusing to use {p}: ")?;
    }
    match (refusal, pt) {
        (Refusal::WrongKind { found, wanted }, false) => write!(
            f,
            "it is {}, not a {wanted}; it was left untouched; remove it yourself or pass another \
             --path",
            kind_words(found, false)
        ),
        (Refusal::WrongKind { found, wanted }, true) => write!(
            f,
            "é {}, não um {wanted}; nada foi mexido; remova-o você mesmo ou passe outro --path",
            kind_words(found, true)
        ),
        (Refusal::FolderIsNot(found), false) => write!(
            f,
            "it is {}, not a folder; remove it or pass --path",
            kind_words(found, false)
        ),
        (Refusal::FolderIsNot(found), true) => write!(
            f,
            "é {}, não uma pasta; remova-o ou passe --path",
            kind_words(found, true)
        ),
        (Refusal::FolderOwner { owner, me }, false) => write!(
            f,
            "it belongs to uid {owner}, not to you (uid {me}); someone else may have made it to \
             watch or feed your demo; remove it or pass --path"
        ),
        (Refusal::FolderOwner { owner, me }, true) => write!(
            f,
            "pertence ao uid {owner}, não a você (uid {me}); outra pessoa pode tê-la criado para \
             espiar ou alimentar sua demo; remova-a ou passe --path"
        ),
        (Refusal::FolderMode(mode), false) => write!(
            f,
            "its mode is {mode:04o}, so other users can reach what is in it; run `chmod 700 {p}` \
             or pass --path"
        ),
        (Refusal::FolderMode(mode), true) => write!(
            f,
            "o modo é {mode:04o}, então outros usuários alcançam o que há nela; rode \
             `chmod 700 {p}` ou passe --path"
        ),
        (Refusal::Owner { what, owner, me }, false) => write!(
            f,
            "the {what} belongs to uid {owner}, not to you (uid {me}); pass another --path"
        ),
        (Refusal::Owner { what, owner, me }, true) => write!(
            f,
            "o {what} pertence ao uid {owner}, não a você (uid {me}); passe outro --path"
        ),
        (Refusal::Writable(mode), false) => write!(
            f,
            "its mode is {mode:04o}, so other users could write to it; run `chmod go-w {p}` (or \
             `chmod 600`) first"
        ),
        (Refusal::Writable(mode), true) => write!(
            f,
            "o modo é {mode:04o}, então outros usuários poderiam escrever nele; rode \
             `chmod go-w {p}` (ou `chmod 600`) antes"
        ),
        (Refusal::Replaced, false) => {
            f.write_str("it was replaced by another file while in use; stopping")
        }
        (Refusal::Replaced, true) => {
            f.write_str("foi trocado por outro arquivo durante o uso; parando")
        }
        (Refusal::ListenerOwner { owner, me }, false) => write!(
            f,
            "the process listening there is uid {owner}, not you (uid {me})"
        ),
        (Refusal::ListenerOwner { owner, me }, true) => write!(
            f,
            "o processo escutando lá é do uid {owner}, não seu (uid {me})"
        ),
    }
}

fn event_line(
    f: &mut fmt::Formatter<'_>,
    pt: bool,
    role: Role,
    pid: i32,
    time: &str,
    event: Event<'_>,
) -> fmt::Result {
    let who = match (role, pt) {
        (Role::Father, false) => "Father",
        (Role::Son, false) => "Son",
        (Role::Father, true) => "Pai",
        (Role::Son, true) => "Filho",
    };
    match event {
        Event::Received {
            data,
            from,
            partial,
        } => {
            let data = escape(data);
            match (from, pt) {
                (Some(son), false) => {
                    write!(f, "{who} {pid} received [{data}] from son {son} at {time}")?
                }
                (Some(son), true) => {
                    write!(f, "{who} {pid} recebeu [{data}] do filho {son} às {time}")?
                }
                (None, false) => write!(f, "{who} {pid} received [{data}] at {time}")?,
                (None, true) => write!(f, "{who} {pid} recebeu [{data}] às {time}")?,
            }
            match (partial, pt) {
                (false, _) => Ok(()),
                (true, false) => f.write_str(" (partial: the writer left without a newline)"),
                (true, true) => f.write_str(" (parcial: o escritor saiu sem quebra de linha)"),
            }
        }
        Event::Sent { data } if pt => write!(f, "{who} {pid} enviou [{}] às {time}", escape(data)),
        Event::Sent { data } => write!(f, "{who} {pid} sent [{}] at {time}", escape(data)),
        Event::Accepted { son, uid } if pt => {
            write!(f, "{who} {pid} aceitou o filho {son} (uid {uid})")
        }
        Event::Accepted { son, uid } => write!(f, "{who} {pid} accepted son {son} (uid {uid})"),
        Event::Left { son } if pt => write!(f, "{who} {pid} viu o filho {son} desligar às {time}"),
        Event::Left { son } => write!(f, "{who} {pid} saw son {son} hang up at {time}"),
        Event::Answered { data, rtt_micros } if pt => write!(
            f,
            "{who} {pid} recebeu a resposta [{}] em {rtt_micros:.1} µs",
            escape(data)
        ),
        Event::Answered { data, rtt_micros } => write!(
            f,
            "{who} {pid} got the answer [{}] after {rtt_micros:.1} µs",
            escape(data)
        ),
        Event::EndOfFile => fmt::Display::fmt(&Msg::EndOfFile, f),
        Event::Filled { asked, took, held } => match (took < asked, pt) {
            (false, false) => write!(
                f,
                "{who} {pid} wrote {took} {}; the pipe holds {held} at {time}",
                bytes_word(took)
            ),
            (false, true) => write!(
                f,
                "{who} {pid} escreveu {took} {}; o pipe guarda {held} às {time}",
                bytes_word(took)
            ),
            (true, false) => write!(
                f,
                "{who} {pid} asked to write {asked} bytes, the kernel took {took} (partial write); \
                 the pipe holds {held} at {time}"
            ),
            (true, true) => write!(
                f,
                "{who} {pid} pediu para escrever {asked} bytes, o kernel aceitou {took} (escrita \
                 parcial); o pipe guarda {held} às {time}"
            ),
        },
        Event::WouldBlock { asked, held } if pt => write!(
            f,
            "{who} {pid} bloquearia: write(2) de {asked} {} recusado com EAGAIN; o pipe guarda \
             {held} bytes às {time}",
            bytes_word(asked)
        ),
        Event::WouldBlock { asked, held } => write!(
            f,
            "{who} {pid} would block: a write(2) of {asked} {} was refused with EAGAIN; the pipe \
             holds {held} bytes at {time}",
            bytes_word(asked)
        ),
    }
}

const LESSONS_EN: &str = "\
ipcdemo: watch bytes travel between threads and processes. The lessons, in order:
  1. ipcdemo anon                 a pipe(2) between a son thread and its father: messages glue
  2. ipcdemo anon --fork          the same with a child process: two PIDs, one pipe
  3. ipcdemo named                a FIFO: run the father here, `ipcdemo named --son` elsewhere
  4. ipcdemo socket               a Unix socket: one connection per son, who they are, replies
  5. ipcdemo socket --seqpacket   the same, but every read is exactly one message
  6. ipcdemo capacity             how much a pipe holds before a writer blocks
  7. ipcdemo atomic --sweep       which writes tear when many writers share a pipe
  8. ipcdemo bench --quick        pipe, FIFO, sockets and TCP: how fast, here
Run `ipcdemo <lesson> --help` for its options, `ipcdemo --help` for everything.";

const LESSONS_PT: &str = "\
ipcdemo: veja bytes viajando entre threads e processos. As lições, em ordem:
  1. ipcdemo anon                 um pipe(2) entre uma thread filho e o pai: mensagens se colam
  2. ipcdemo anon --fork          o mesmo com um processo filho: dois PIDs, um pipe
  3. ipcdemo named                um FIFO: o pai aqui, `ipcdemo named --son` em outro terminal
  4. ipcdemo socket               um socket Unix: uma conexão por filho, quem é cada um, respostas
  5. ipcdemo socket --seqpacket   o mesmo, mas cada leitura é exatamente uma mensagem
  6. ipcdemo capacity             quanto um pipe guarda antes de o escritor bloquear
  7. ipcdemo atomic --sweep       quais escritas rasgam quando muitos escritores dividem um pipe
  8. ipcdemo bench --quick        pipe, FIFO, sockets e TCP: a velocidade, aqui
Rode `ipcdemo <lição> --help` para as opções, `ipcdemo --help` para tudo.";
