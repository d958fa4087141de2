//! Español (neutro, como se usa en las aulas de América Latina).

use std::path::Path;

use nix::errno::Errno;

use super::{
    Fact, ModePart, PlotWord, Reading, TimelineWord, Words, command_line, count, fd_list,
    held_list, human_bytes, limit, mq_command, receive_command, shm_son_command,
    signal_kill_command, signal_son_command, sized, son_command, son_name,
};
use crate::bench::model::{BenchNote, FanIn, Measure, Mechanism, Unsupported, Wake};
use crate::event::{
    AlarmReport, AtomicRun, CapacityReport, Channel, CpuReport, CrashReport, Deadlock, Error,
    Event, ExecReport, LeakReport, LinuxOnly, Note, Partial, PingPongReport, PipeFill, ProcessEnd,
    QueueReport, ReadCounts, Role, SignalReport, Sleeper, Stall, SyncMode, Waits, Why,
};
use crate::report::lessons::Lesson;
use crate::sys::mqueue::{Limits, Size};
use crate::sys::pipesize::PipeSizeError;
use crate::sys::procfd::PipeEnd;
use crate::sys::{Doing, FileKind, Object, Refusal};

pub struct Es;

/// El nombre de un extremo de pipe (masculino: "el extremo").
fn end_name(end: PipeEnd) -> &'static str {
    match end {
        PipeEnd::Read => "extremo de lectura",
        PipeEnd::Write => "extremo de escritura",
        PipeEnd::ReadWrite => "extremo de lectura y escritura",
    }
}

/// Un mecanismo después de "en": "en el pipe".
fn into(mechanism: Mechanism) -> &'static str {
    match mechanism {
        Mechanism::Pipe => "en el pipe",
        Mechanism::Fifo => "en el FIFO",
        Mechanism::UnixStream => "en el socket Unix",
        Mechanism::UnixSeqpacket => "en el socket seqpacket",
        Mechanism::Socketpair => "en el socketpair",
        Mechanism::Tcp => "en la conexión TCP",
        Mechanism::Signal => "en la señal",
        Mechanism::Mq => "en la cola de mensajes",
        Mechanism::Shm => "en la memoria compartida",
        Mechanism::Eventfd => "en el eventfd",
    }
}

/// Un mecanismo después de "de": "del pipe".
fn from(mechanism: Mechanism) -> &'static str {
    match mechanism {
        Mechanism::Pipe => "del pipe",
        Mechanism::Fifo => "del FIFO",
        Mechanism::UnixStream => "del socket Unix",
        Mechanism::UnixSeqpacket => "del socket seqpacket",
        Mechanism::Socketpair => "del socketpair",
        Mechanism::Tcp => "de la conexión TCP",
        Mechanism::Signal => "de la señal",
        Mechanism::Mq => "de la cola de mensajes",
        Mechanism::Shm => "de la memoria compartida",
        Mechanism::Eventfd => "del eventfd",
    }
}

fn show_or(path: Option<&Path>, otherwise: &str) -> String {
    path.map_or_else(|| otherwise.to_string(), |p| p.display().to_string())
}

/// `desc (NAME)`: the system's words for an errno, then its name to search for.
fn errno(e: Errno) -> String {
    format!("{} ({e:?})", e.desc())
}

fn show(path: Option<&Path>) -> String {
    path.map_or_else(|| "el archivo".to_string(), |p| p.display().to_string())
}

/// Una letra de estado de /proc/<pid>/stat, en palabras.
fn state(letter: Option<char>) -> String {
    match letter {
        Some('R') => "R, en ejecución".into(),
        Some('S') => "S, dormido".into(),
        Some('D') => "D, en espera ininterrumpible".into(),
        Some('T') => "T, detenido".into(),
        Some('t') => "t, rastreado".into(),
        Some('Z') => "Z, un zombi".into(),
        Some('X') => "X, muerto".into(),
        Some('I') => "I, inactivo".into(),
        Some(other) => other.to_string(),
        None => "estado desconocido".into(),
    }
}

/// Dónde duerme un lado: `anon_pipe_read (S, dormido)`.
fn place(s: &Sleeper) -> String {
    let wchan = s
        .wchan
        .as_deref()
        .unwrap_or("un lugar que el kernel no dice");
    format!("{wchan} ({})", state(s.state))
}

/// Cuán lleno está un pipe: `65536 de 65536 bytes`.
fn fill(f: &PipeFill) -> String {
    let size = f
        .size_bytes
        .map_or_else(|| "?".to_string(), |s| s.to_string());
    match f.held_bytes {
        Some(held) => format!("{held} de {size} bytes"),
        None => format!("? de {size} bytes (nuestro extremo ya está cerrado)"),
    }
}

/// Qué espera el padre.
fn father_waits(waits: Waits) -> &'static str {
    match waits {
        Waits::Reading => "una respuesta, en read(2)",
        Waits::Writing => "espacio para escribir, en write(2)",
        Waits::Elsewhere => "el fin del hijo",
    }
}

impl Es {
    /// Hasta dónde llegó un hijo antes de dejar de leer.
    fn son_progress(&self, sent_lines: u64, sent_bytes: u64, answered: Option<u64>) -> String {
        match answered {
            Some(_) if sent_lines == 0 => "antes de que le llegara la primera línea".into(),
            Some(answered) => format!(
                "tras responder {answered} de {}",
                count(sent_lines, "línea", "líneas")
            ),
            None => format!("tras {} de su entrada", count(sent_bytes, "byte", "bytes")),
        }
    }

    fn deadlock(&self, program: &[String], stall: &Stall, written: u64) -> String {
        let cmd = command_line(program);
        let son = stall.son_sleeps.pid;
        let waited = self.duration(stall.stall);
        match stall.deadlock {
            Deadlock::Buffering => format!(
                "interbloqueo (deadlock): en {waited} no pasó ningún byte, y ambos lados duermen \
                 en read(2): el padre espera la respuesta del hijo {son}, el hijo {son} (`{cmd}`) \
                 espera más entrada. La respuesta casi seguro está en su búfer de salida: el \
                 stdio de C (y Python, y tr) guarda un stdout que no es una terminal en bloques \
                 de varios KiB, y solo envía un bloque cuando se llena o cuando el programa \
                 termina (setvbuf(3)). Se mató al hijo para terminar la ejecución.\ncorrecciones: \
                 que el hijo vacíe su búfer tras cada línea (fflush(3), sys.stdout.flush(), \
                 `python3 -u`), o usar búfer por línea desde fuera (`stdbuf -oL {cmd}`), o \
                 ejecutarlo en una pseudoterminal, donde stdio usa búfer por línea (script(1), \
                 pty(7)); o que el padre cierre el stdin del hijo cuando ya lo dijo todo, y lea \
                 las respuestas después"
            ),
            Deadlock::FullPipes => format!(
                "interbloqueo (deadlock): en {waited} no pasó ningún byte, y ambos lados duermen \
                 en write(2): el padre, tras escribir {} de la entrada del hijo {son}, y el hijo \
                 {son} (`{cmd}`), escribiendo una salida que el padre solo leerá cuando termine \
                 de escribir. Ambos pipes están llenos: el del stdin contiene {}, el del stdout \
                 {} (tamaños de F_GETPIPE_SZ; un pipe cuenta páginas enteras, y una leída en parte aún ocupa su lugar), así que ningún write(2) termina hasta que el otro lado lea, y \
                 ninguno leerá (pipe(7)). Se mató al hijo para terminar la ejecución.\n\
                 correcciones: leer mientras se escribe: un segundo hilo (`ipcdemo exec --big \
                 --fix`) o poll(2) sobre ambos pipes, como hace communicate() de subprocess en \
                 Python; o escribir antes la entrada en un archivo",
                count(written, "byte", "bytes"),
                fill(&stall.input_pipe),
                fill(&stall.output_pipe)
            ),
            Deadlock::Neither => format!(
                "no pasó ningún byte en {waited} mientras el padre esperaba {}, pero el hijo \
                 {son} (`{cmd}`) está en {}, fuera de todo pipe: así que no es ninguno de los \
                 dos interbloqueos clásicos entre el padre y el propio hijo (un programa que el \
                 hijo inició puede estar en uno), o el hijo es lento. Se le mató, con su grupo \
                 de procesos, para terminar la ejecución; si solo necesita tiempo, dele más con \
                 --stall (como --stall 10s)",
                father_waits(stall.father_sleeps.waits),
                place(&stall.son_sleeps)
            ),
        }
    }
}

/// The article a measure takes: "el rendimiento", "la latencia".
fn article(measure: Measure) -> &'static str {
    match measure {
        Measure::Throughput => "el",
        Measure::Latency => "la",
    }
}

fn queue(path: Option<&Path>) -> String {
    path.map_or_else(|| "la cola".to_string(), |p| p.display().to_string())
}

/// RLIMIT_MSGQUEUE in bytes, or its absence.
fn rlimit(limits: &Limits) -> String {
    match limits.rlimit_bytes {
        Some(u64::MAX) => "ilimitado".into(),
        Some(bytes) => count(bytes, "byte", "bytes"),
        None => "? bytes".into(),
    }
}

/// The size asked of a new queue.
fn asked(size: Size) -> String {
    format!(
        "{} de {}",
        count(size.max_messages, "mensaje", "mensajes"),
        count(size.message_size as u64, "byte", "bytes")
    )
}

impl Words for Es {
    fn code(&self) -> &'static str {
        "es"
    }

    fn decimal_mark(&self) -> char {
        ','
    }

    fn role(&self, role: Role) -> &'static str {
        match role {
            Role::Father => "Padre",
            Role::Son => "Hijo",
        }
    }

    fn event(&self, who: &str, pid: i32, time: &str, event: &Event<'_>) -> Option<String> {
        Some(match *event {
            Event::Received {
                data,
                son,
                partial,
                record_bytes,
                priority,
                queued,
                timing: _,
                record: _,
            } => {
                let data = data.escaped();
                let mut line = format!("{who} {pid} recibió [{data}]");
                if let Some(son) = son.map(son_name) {
                    line.push_str(&format!(" del hijo {son}"));
                }
                if let Some(priority) = priority {
                    line.push_str(&format!(" con prioridad {priority}"));
                }
                if let Some(queued) = queued {
                    line.push_str(&format!(" ({queued} aún en la cola)"));
                }
                line.push_str(&format!(" a las {time}"));
                match partial {
                    Some(Partial::WriterLeft) => {
                        line.push_str(" (parcial: el escritor se fue sin un salto de línea)")
                    }
                    Some(Partial::LongLine) => {
                        line.push_str(" (parcial: un trozo de una línea más larga; el resto sigue)")
                    }
                    None => {}
                }
                if let Some(full) = record_bytes {
                    line.push_str(&format!(
                        " (recortado: el registro tenía {full} bytes; el núcleo descartó el resto)"
                    ));
                }
                line
            }
            Event::Sent {
                data,
                priority: None,
                ..
            } => format!("{who} {pid} envió [{}] a las {time}", data.escaped()),
            Event::Sent {
                data,
                priority: Some(priority),
                ..
            } => format!(
                "{who} {pid} envió [{}] con prioridad {priority} a las {time}",
                data.escaped()
            ),
            Event::Accepted { son, uid } => {
                let son = son_name(son);
                match uid {
                    Some(uid) => format!("{who} {pid} aceptó al hijo {son} (uid {uid})"),
                    None => format!(
                        "{who} {pid} aceptó al hijo {son} (TCP: una dirección, sin credenciales)"
                    ),
                }
            }
            Event::Left { son } => {
                let son = son_name(son);
                format!("{who} {pid} vio que el hijo {son} colgó a las {time}")
            }
            Event::Answered { data, rtt_us } => format!(
                "{who} {pid} recibió la respuesta [{}] después de {} µs",
                data.escaped(),
                self.num(rtt_us, 1)
            ),
            Event::Eof | Event::Listening { .. } | Event::Lanes { .. } | Event::Read { .. } => {
                return None;
            }
            Event::Started { son, program } => format!(
                "{who} {pid} inició al hijo {son} (`{}`), con stdin y stdout en dos pipes, a las \
                 {time}",
                command_line(program)
            ),
            Event::InputWritten { son, total } => format!(
                "{who} {pid} ya escribió {} en el stdin del hijo {son} a las {time}",
                count(total, "byte", "bytes")
            ),
            Event::OutputRead { son, total } => format!(
                "{who} {pid} ya leyó {} del stdout del hijo {son} a las {time}",
                count(total, "byte", "bytes")
            ),
            Event::Stalled(stall) => format!(
                "{who} {pid} no vio pasar ningún byte en {}, a las {time}: el padre duerme en \
                 {}, el hijo {} en {}; el pipe del stdin del hijo contiene {}, el del stdout {}; \
                 se mata al hijo {} (SIGKILL)",
                self.duration(stall.stall),
                place(&stall.father_sleeps),
                stall.son_sleeps.pid,
                place(&stall.son_sleeps),
                fill(&stall.input_pipe),
                fill(&stall.output_pipe),
                stall.son_sleeps.pid
            ),
            Event::OwnerDead => format!(
                "{who} {pid} recibió EOWNERDEAD a las {time}: el dueño del candado murió \
                 sosteniéndolo; pthread_mutex_consistent(3) lo volvió utilizable, y nadie espera \
                 para siempre"
            ),
            Event::TurnedAway { son, connected } => format!(
                "{who} {pid} rechazó al hijo {} a las {time}: el hijo {connected} está conectado, \
                 y un anillo tiene un solo escritor",
                son_name(son)
            ),
            Event::Uncommitted { son, record } => format!(
                "{who} {pid} descartó el registro {record} del hijo {} a las {time}: empezado \
                 pero nunca confirmado (el hijo murió al escribirlo), así que nunca se mostró roto",
                son_name(son)
            ),
            Event::Filled {
                asked,
                bytes,
                held,
                partial: false,
            } => {
                let _ = asked;
                format!(
                    "{who} {pid} escribió {}; el pipe contiene {held} a las {time}",
                    count(bytes as u64, "byte", "bytes")
                )
            }
            Event::Filled {
                asked,
                bytes,
                held,
                partial: true,
            } => format!(
                "{who} {pid} pidió escribir {}, el núcleo tomó {bytes} (escritura parcial); el \
                 pipe contiene {held} a las {time}",
                count(asked as u64, "byte", "bytes")
            ),
            Event::WouldBlock { asked, held } => format!(
                "{who} {pid} se bloquearía: un write(2) de {} fue rechazado con EAGAIN; el pipe \
                 contiene {} a las {time}",
                count(asked as u64, "byte", "bytes"),
                count(held, "byte", "bytes")
            ),
            Event::SignalSent {
                signal,
                target: to,
                value,
            } => match value {
                Some(v) => format!(
                    "{who} {pid} envió {} con valor {v} al proceso {to} a las {time}",
                    signal.name()
                ),
                None => format!(
                    "{who} {pid} envió {} al proceso {to} a las {time}",
                    signal.name()
                ),
            },
            Event::SignalReceived {
                signal,
                sender: from,
                value,
            } => match value {
                Some(v) => format!(
                    "{who} {pid} recibió {} con valor {v} del proceso {from} a las {time}",
                    signal.name()
                ),
                None => format!(
                    "{who} {pid} recibió {} del proceso {from} a las {time}",
                    signal.name()
                ),
            },
            Event::SignalRefused {
                signal,
                target: to,
                value,
            } => format!(
                "{who} {pid} no pudo encolar {} con valor {value} para el proceso {to}: sigqueue(3) falló con \
                 EAGAIN (la cola está llena) a las {time}",
                signal.name()
            ),
            Event::AlarmSet { seconds } => format!(
                "{who} {pid} llamó a alarm({seconds}) y se detiene hasta SIGALRM a las {time}"
            ),
            Event::AlarmRang { seconds, waited_s } => format!(
                "{who} {pid} despertó: SIGALRM llegó {} s después de alarm({seconds}) a las {time}",
                self.num(waited_s, 3)
            ),
            Event::PipeMade {
                inode,
                read_fd,
                write_fd,
                cloexec,
            } => format!(
                "{who} {pid} creó pipe:[{inode}]: el fd {read_fd} lee, el fd {write_fd} escribe \
                 ({})",
                if cloexec {
                    "pipe2 con O_CLOEXEC: ambos se cierran en execve"
                } else {
                    "pipe(2): ninguno se cierra en execve"
                }
            ),
            Event::Forked { son, exec: false } => {
                format!("{who} {pid} creó (fork) al hijo {son}")
            }
            Event::Forked { son, exec: true } => format!(
                "{who} {pid} creó (fork) al hijo {son}, que llamó a execve(2): ahora es otro \
                 programa, con los descriptores que conservó"
            ),
            Event::Holds {
                holder,
                command,
                fd,
                end,
                cloexec,
                inode,
            } => format!(
                "{who} {pid}: el pid {holder} ({command}) tiene el fd {fd}, el {} de \
                 pipe:[{inode}]{}",
                end_name(end),
                if cloexec { " (se cierra en exec)" } else { "" }
            ),
            Event::HoldsNothing { holder, inode } => {
                format!("{who} {pid}: el pid {holder} no tiene ningún descriptor de pipe:[{inode}]")
            }
            Event::Closed { fd, end } => {
                format!("{who} {pid} cerró el fd {fd}, su {}", end_name(end))
            }
            Event::Reaped { son, end } => format!(
                "{who} {pid} recogió (waitpid) al hijo {son}, que {}",
                self.process_end(end)
            ),
            Event::EndOfFile { inode } => {
                format!("{who} {pid} leyó fin de archivo en pipe:[{inode}] a las {time}")
            }
            Event::NoEndOfFile {
                inode,
                waited_ms: 0,
            } => format!(
                "{who} {pid}: ningún fin de archivo en pipe:[{inode}]: todavía hay un extremo de \
                 escritura abierto en algún lugar"
            ),
            Event::NoEndOfFile { inode, waited_ms } => format!(
                "{who} {pid}: todavía ningún fin de archivo en pipe:[{inode}] después de {}",
                self.duration(std::time::Duration::from_millis(waited_ms))
            ),
            Event::Passed { fd, inode, son } => format!(
                "{who} {pid} pasó el fd {fd}, el extremo de escritura de pipe:[{inode}], al hijo \
                 {son} (SCM_RIGHTS, con sus credenciales en SCM_CREDENTIALS)"
            ),
            Event::GotDescriptor {
                fd,
                inode,
                sender_pid,
                sender_uid,
            } => match (sender_pid, sender_uid) {
                (Some(sender), Some(uid)) => format!(
                    "{who} {pid} recibió el fd {fd}, pipe:[{inode}] en /proc/self/fd, del pid \
                     {sender} (uid {uid}, según SCM_CREDENTIALS)"
                ),
                _ => format!(
                    "{who} {pid} recibió el fd {fd}, pipe:[{inode}] en /proc/self/fd, sin \
                     credenciales"
                ),
            },
            Event::Killed {
                son,
                mechanism,
                in_write: true,
            } => format!(
                "{who} {pid} envió SIGKILL al hijo {son} dentro de su write(2) {}",
                into(mechanism)
            ),
            Event::Killed {
                son,
                mechanism,
                in_write: false,
            } => format!(
                "{who} {pid} envió SIGKILL al hijo {son} mientras escribía {} (/proc no dijo si \
                 estaba dentro de write(2))",
                into(mechanism)
            ),
            Event::Drained {
                mechanism,
                bytes,
                message_bytes,
            } => {
                let size = message_bytes.max(1);
                let (whole, part) = (bytes / size, bytes % size);
                let torn = if part > 0 {
                    format!(", y {} de uno roto", count(part, "byte", "bytes"))
                } else {
                    String::new()
                };
                format!(
                    "{who} {pid} todavía leyó {} {}, y luego fin de archivo: {} de {}{torn}",
                    count(bytes, "byte", "bytes"),
                    from(mechanism),
                    count(whole, "mensaje entero", "mensajes enteros"),
                    human_bytes(message_bytes)
                )
            }
            Event::LeftBehind {
                mechanism,
                path: None,
            } => format!(
                "{who} {pid}: no queda nada {}: no tiene nombre, y el kernel lo liberó con su \
                 último descriptor",
                from(mechanism)
            ),
            Event::LeftBehind {
                mechanism,
                path: Some(path),
            } => format!(
                "{who} {pid}: el hijo muerto dejó {} atrás: el archivo {} queda hasta que \
                 alguien lo borre",
                path.display(),
                from(mechanism)
            ),
            Event::Stale { path } => format!(
                "{who} {pid}: connect(2) a {} es rechazado (ECONNREFUSED): un socket abandonado, \
                 nadie escucha",
                path.display()
            ),
            Event::Recovered { path } => format!(
                "{who} {pid} escucha de nuevo en {}: como hace `ipcdemo socket`, vio que el \
                 socket estaba abandonado, lo borró y creó otro",
                path.display()
            ),
        })
    }

    fn note(&self, note: &Note<'_>) -> String {
        match *note {
            Note::EndOfFile => "fin de archivo: todos los escritores cerraron el pipe".into(),
            Note::FatherWaitingForSon(p) => format!(
                "padre: abriendo {} para lectura; open(2) espera aquí hasta que un hijo lo abra \
                 para escritura",
                p.display()
            ),
            Note::SonWaitingForFather(p) => format!(
                "hijo: abriendo {} para escritura; open(2) espera aquí hasta que un padre lo \
                 abra para lectura",
                p.display()
            ),
            Note::AllSonsGone(p) => format!(
                "padre: todos los hijos se fueron (fin de archivo); esperando al siguiente en {}",
                p.display()
            ),
            Note::CreatedFifo(p) => format!("se creó el FIFO {} (modo 0600)", p.display()),
            Note::FolderRepaired { folder, was } => format!(
                "reparada {}: su modo era {was:04o}, que le cerraba el paso incluso a usted (¿un \
                 umask extraño?); vuelve a ser 0700",
                folder.display()
            ),
            Note::FifoAlreadyThere(p) => format!(
                "padre: {} ya existía (creado por un hijo que espera, o dejado por una ejecución \
                 que fue terminada); no es nuestro, así que queda después de esta ejecución: \
                 `rm {}` lo borra",
                p.display(),
                p.display()
            ),
            Note::FifoReadableByOthers(p) => format!(
                "advertencia: otros usuarios pueden leer {} y robar líneas; `chmod 600 {}` lo \
                 impide",
                p.display(),
                p.display()
            ),
            Note::SocketListening {
                path,
                seqpacket,
                given_path,
            } => {
                let kind = if seqpacket {
                    "SOCK_SEQPACKET"
                } else {
                    "SOCK_STREAM"
                };
                let flag = son_command(path, seqpacket, given_path);
                format!(
                    "padre: escuchando en {} ({kind}); ejecute `{flag}` en \
                     otra terminal",
                    path.display()
                )
            }
            Note::TcpListening { address } => format!(
                "padre: escuchando en {address} (TCP); ejecute `ipcdemo socket --son --tcp \
                 {address}` en otra terminal"
            ),
            Note::OpenToNetwork { address } => format!(
                "advertencia: {address} no es loopback: otros en la red pueden conectarse a este \
                 padre y enviarle cualquier cosa"
            ),
            Note::StaleSocketReplaced(p) => format!(
                "se reemplazó el socket abandonado {} (nadie escuchaba: quien lo creó fue \
                 terminado con -9)",
                p.display()
            ),
            Note::TooManySons(n) => format!(
                "padre: sin descriptores de archivo (EMFILE) con {}; los nuevos esperan en la \
                 cola de listen(2) hasta que uno se vaya",
                count(n as u64, "hijo", "hijos")
            ),
            Note::PipeSizeGranted { wanted, granted } => format!(
                "F_SETPIPE_SZ: se pidieron {}, el núcleo concedió {granted} {}",
                count(wanted as u64, "byte", "bytes"),
                if granted == wanted {
                    "(exactamente: ya es un número de páginas potencia de dos)"
                } else {
                    "(redondea hacia arriba a un número de páginas que sea potencia de dos)"
                }
            ),
            Note::PipeSizeRefused(ref refused) => format!(
                "advertencia: {}; se sigue con el tamaño que tiene el pipe",
                self.pipe_size_refused(refused)
            ),
            Note::ExportsNotWritten => {
                "las exportaciones no se escribieron: la ejecución no terminó".to_string()
            }
            Note::TraceTruncated {
                path,
                kept,
                left_out,
            } => format!(
                "la traza {} guarda las primeras {kept} llamadas; otras {} quedaron fuera (una \
                 traza de millones de llamadas ocuparía gigabytes)",
                path.display(),
                left_out
            ),
            Note::SonFailed { pid, error } => {
                format!("{}: hijo {pid}: {}", self.error_prefix(), self.error(error))
            }
            Note::ShmListening {
                path,
                given_path,
                wake,
                pid,
            } => format!(
                "padre: escuchando en {}; ejecute `{}` en otra terminal: cada hijo recibe un \
                 anillo en memoria compartida (un memfd llamado ipcdemo-ring: mientras un hijo \
                 está conectado, `ls -l /proc/{pid}/fd` lo muestra), despertado por {}",
                path.display(),
                shm_son_command(path, given_path),
                match wake {
                    Wake::Spin => "espera activa (una CPU entera mientras espera)",
                    Wake::Futex => "un futex",
                    Wake::Eventfd => "un eventfd",
                }
            ),
            Note::RingBroken { son, record, len } => format!(
                "padre: el hijo {son} rompió el protocolo del anillo en el registro {record} \
                 ({}); se cortó la conexión con él",
                match len {
                    Some(len) => format!("una longitud de {len} bytes no cabe"),
                    None => "una posición imposible".into(),
                }
            ),
            Note::OneCpu(cpus) => format!(
                "este proceso puede usar {}: los hijos se turnan en ella, y rara vez uno es \
                 interrumpido entre su lectura y su escritura, así que poco o nada se pierde; con \
                 dos CPU o más los hijos corren de verdad a la vez (`taskset` muestra la \
                 diferencia)",
                count(cpus as u64, "CPU", "CPU")
            ),
            Note::RaceSonKilled {
                pid,
                signal,
                on_purpose: true,
            } => format!(
                "el hijo {pid} murió por {signal} sosteniendo el candado, como pidió \
                 --die-holding-lock; sus sumas hasta ese momento están contadas"
            ),
            Note::RaceSonKilled {
                pid,
                signal,
                on_purpose: false,
            } => format!(
                "el hijo {pid} murió por {signal} antes de terminar; las sumas que contó están \
                 en el total"
            ),
            Note::BenchChildFailed(error) => format!(
                "{}: el proceso hijo de la medición: {}",
                self.error_prefix(),
                self.error(error)
            ),
            Note::QueueCreated {
                name,
                attributes: a,
                limits: l,
            } => format!(
                "padre: creada la cola {name} (modo 0600); mq_getattr(3) dice mq_maxmsg {}, \
                 mq_msgsize {}, mq_curmsgs {}\nlímites: sin CAP_SYS_RESOURCE una cola guarda como \
                 máximo msg_max {} mensajes de como máximo msgsize_max {} bytes, y el sistema \
                 como máximo queues_max {} colas (/proc/sys/fs/mqueue); RLIMIT_MSGQUEUE (`ulimit \
                 -q`) permite {} para todas sus colas juntas, también las de root",
                a.max_messages,
                count(a.message_size as u64, "byte", "bytes"),
                a.queued,
                limit(l.msg_max),
                limit(l.msgsize_max),
                limit(l.queues_max),
                rlimit(&l)
            ),
            Note::StaleQueueReplaced { name, lock, left } => format!(
                "padre: reemplazada la cola abandonada {name}: nadie tenía su cerrojo {}, así que el \
                 padre que la creó murió sin eliminarla (¿matado con kill -9?); {}",
                lock.display(),
                match left {
                    0 => "estaba vacía".to_string(),
                    1 => "el mensaje que guardaba se fue con ella".to_string(),
                    n => format!("los {n} mensajes que guardaba se fueron con ella"),
                }
            ),
            Note::ReadingAfter {
                name,
                after,
                max_messages,
            } => format!(
                "padre: esperando {} antes del primer mq_receive(3): mientras tanto los mensajes se \
                 acumulan en {name} (como máximo {max_messages}; luego mq_send(3) se bloquea), \
                 cada uno detrás de los de su misma prioridad y delante de todos los de prioridad \
                 menor",
                self.duration(after)
            ),
            Note::FatherReceiving { name, given_name } => format!(
                "padre: listo en {name}: ejecute `{}` en otra terminal; mq_receive(3) duerme \
                 mientras la cola está vacía",
                mq_command(name, given_name, true)
            ),
            Note::SonSendingTo { name, attributes } => format!(
                "hijo: enviando a {name}: mq_maxmsg {}, mq_msgsize {}, {} esperando ahora",
                attributes.max_messages,
                count(attributes.message_size as u64, "byte", "bytes"),
                attributes.queued
            ),
            Note::NoFatherHoldsQueue { name, lock } => format!(
                "aviso: ningún padre tiene el cerrojo {}: {name} la dejó un padre que murió; los \
                 mensajes esperan en ella a un receptor, y el próximo `ipcdemo mq` reemplaza la \
                 cola, perdiéndolos",
                lock.display()
            ),
            Note::QueueFullWaiting { name, max_messages } => format!(
                "hijo: {name} está llena ({} mensajes, mq_maxmsg): mq_send(3) dormiría aquí hasta \
                 que el padre reciba uno; este hijo espera espacio en poll(2), pues en Linux el \
                 descriptor de una cola es un descriptor de archivo (--no-wait falla con EAGAIN en \
                 su lugar)",
                max_messages
            ),
            Note::SignalHeld { signal, count: n } => format!(
                "padre: la señal {} queda bloqueada y pendiente mientras el hijo envía {n}; el \
                 padre no toma nada hasta que el hijo termine",
                signal.name()
            ),
            Note::SignalSonDone { son } => format!(
                "padre: el hijo {son} terminó (SIGCHLD); tomando ahora lo pendiente, como lo \
                 entregaría el desbloqueo"
            ),
            Note::QueueLimitSet { limit, uid } => format!(
                "padre: RLIMIT_SIGPENDING es ahora {limit}: como mucho {limit} señales pueden \
                 quedar pendientes para el uid {uid}, contando todos los procesos de ese usuario, \
                 no solo este"
            ),
            Note::BacklogCapped { limit, uid } => format!(
                "padre: RLIMIT_SIGPENDING reducido a {limit}, para que un hijo más rápido que el \
                 padre no llene la cola que comparten todos los procesos del uid {uid}; cuando \
                 está llena, el hijo espera espacio"
            ),
            Note::SignalFatherWaiting {
                pid,
                signal,
                realtime,
            } => format!(
                "padre {pid}: esperando {}; ejecute `{}` (o `{}`) en otra terminal",
                signal.name(),
                signal_son_command(pid, realtime),
                signal_kill_command(pid, signal)
            ),
            Note::SenderListening { path, given_path } => format!(
                "remitente: escuchando en {}; ejecute `{}` en otra terminal",
                path.display(),
                receive_command(path, given_path)
            ),
            Note::ProcessesHidden(n) => format!(
                "nota: /proc no muestra los descriptores de {} (de otros usuarios); un poseedor \
                 puede esconderse allí",
                count(n as u64, "proceso", "procesos")
            ),
            Note::Stalling(stall) => format!(
                "padre: su hijo se fue, pero read(2) no devuelve 0, porque todavía hay un \
                 extremo de escritura abierto; esperando {} antes de cerrar la copia olvidada",
                self.duration(stall)
            ),
            Note::ScratchFolder(p) => format!(
                "trabajando en {}; se borra al final, pase lo que pase",
                p.display()
            ),
        }
    }

    fn error(&self, error: &Error) -> String {
        match error {
            Error::Stopped(signal) => format!("detenido por {signal}"),
            Error::StdoutClosed => "se cerró la salida estándar".into(),
            Error::Call {
                doing,
                path,
                errno: e,
            } => format!("{}: {}", self.doing(*doing, path.as_deref()), errno(*e)),
            Error::Refused { path, refusal } => self.refusal(path, *refusal),
            Error::NoFatherReading(p) => format!(
                "ningún padre está leyendo {} (ENXIO); primero inicie `ipcdemo named` en otra \
                 terminal, o quite --no-wait para esperar a uno",
                p.display()
            ),
            Error::FatherWentAway { path, sent } => format!(
                "el padre se fue después de {}: ya nadie lee {} (EPIPE)",
                count(*sent, "línea", "líneas"),
                path.display()
            ),
            Error::FatherReset { path, sent } => format!(
                "el padre se fue después de {}: {} reinició la conexión (ECONNRESET)",
                count(*sent, "mensaje", "mensajes"),
                path.display()
            ),
            Error::NoAnswer { path, waited } => format!(
                "ninguna respuesta del padre en {} dentro de {}: ¿se ejecuta con --ack? (o dele \
                 más tiempo con --ack-timeout)",
                path.display(),
                self.duration(*waited)
            ),
            Error::FatherHungUp { path, sent } => format!(
                "el padre colgó en {} antes de responder (fin de archivo), después de {}",
                path.display(),
                count(*sent, "mensaje", "mensajes")
            ),
            Error::AnotherFatherReading { path, pid } => format!(
                "otro padre{} ya está leyendo {}: dos padres recibirían cada uno una parte de \
                 las líneas de cada hijo; deténgalo o pase otro --path",
                pid.map_or_else(String::new, |pid| format!(" (pid {pid})")),
                path.display()
            ),
            Error::AnotherFatherListening(p) => format!(
                "otro padre está escuchando en {}; deténgalo o pase otro --path",
                p.display()
            ),
            Error::AddressInUse(a) => format!(
                "{a} está en uso (EADDRINUSE): otro programa escucha allí; deténgalo o elija otro \
                 puerto (--tcp 0 elige uno libre)"
            ),
            Error::ConnectionRefused(a) => format!(
                "nadie escucha en {a} (conexión rechazada): ejecute `ipcdemo socket --tcp PUERTO` \
                 primero y dele al hijo el puerto que muestre"
            ),
            Error::Unreachable(a) => {
                format!("{a} no es alcanzable desde aquí (sin ruta): revise la dirección")
            }
            Error::BadAddress(a) => format!(
                "{a} no es una dirección que esta máquina pueda usar (host desconocido, o no es \
                 una dirección propia para escuchar); pruebe 127.0.0.1:PUERTO"
            ),
            Error::SonNeedsPort => "un hijo necesita el puerto del padre: el puerto 0 solo \
                                    significa \"cualquier puerto libre\" para un padre, que \
                                    muestra el que obtuvo"
                .into(),
            Error::NoFatherAtPath(p) => format!(
                "ningún padre está escuchando en {} (no hay nada ahí): a diferencia de un FIFO, \
                 connect(2) no espera; primero inicie `ipcdemo socket`",
                p.display()
            ),
            Error::StaleSocket(p) => format!(
                "ningún padre está escuchando en {} (conexión rechazada): el archivo lo dejó un \
                 padre que murió; primero inicie `ipcdemo socket`",
                p.display()
            ),
            Error::SocketTypeMismatch(p) => format!(
                "el padre en {} usa otro tipo de socket; pase --seqpacket en ambos lados o en \
                 ninguno",
                p.display()
            ),
            Error::SocketPathTooLong(p) => format!(
                "{} es demasiado largo para una dirección de socket Unix (107 bytes como máximo, \
                 unix(7), y el padre necesita lugar para un nombre privado a su lado); pase un \
                 --path más corto",
                p.display()
            ),
            Error::SonThreadPanicked => "el hilo del hijo entró en pánico".into(),
            Error::SonProcess(end) => format!("el proceso hijo {}", self.process_end(*end)),
            Error::BytesLost { record_size, lost } => format!(
                "pérdida de {} en registros de {}: eso es un defecto del programa, no una lección",
                count(*lost, "byte", "bytes"),
                count(*record_size as u64, "byte", "bytes")
            ),
            Error::CorruptRecords { byte } => format!(
                "el byte {byte:#04x} no es el siguiente byte de ningún escritor: el flujo está \
                 corrupto"
            ),
            Error::NoMemory { bytes } => format!(
                "no se pudieron obtener {} de memoria para los búferes: elija tamaños menores, o permita más memoria (ulimit -v)",
                human_bytes(*bytes as u64)
            ),
            Error::PipeBufBroken { pipe_buf } => format!(
                "se rompió un registro de PIPE_BUF ({pipe_buf}) bytes como máximo: este núcleo \
                 no cumplió la promesa de pipe(7)"
            ),
            Error::Bench {
                mechanism,
                measure,
                size,
                error,
            } => format!(
                "midiendo {} {} de {}{}: {}",
                article(*measure),
                self.measure(*measure),
                mechanism.name(),
                size.map_or_else(String::new, |s| format!(" con {}", human_bytes(s as u64))),
                self.error(error)
            ),
            Error::BenchChild(end) => {
                format!("el proceso hijo de la medición {}", self.process_end(*end))
            }
            Error::RoundMismatch { round, got } => {
                format!("la ida y vuelta {round} regresó con el número {got}")
            }
            Error::CorruptStream { after } => format!(
                "datos corruptos después de {}: no es lo que envió el escritor",
                count(*after, "byte", "bytes")
            ),
            Error::BytesMissing { received, total } => {
                format!("se perdieron bytes: el lector recibió {received} de {total}")
            }
            Error::OtherSideLeft => "el otro lado se fue en medio de una ejecución".into(),
            Error::PinNeedsTwoCpus { cpus, pin } => format!(
                "--pin {} necesita dos CPUs y este proceso puede usar {}; use --pin same o --pin \
                 none",
                pin.name(),
                count(*cpus as u64, "CPU", "CPUs")
            ),
            Error::ShmBusy { path, son } => format!(
                "un hijo (pid {son}) ya está conectado al padre en {}: un anillo tiene un solo \
                 escritor, así que un hijo a la vez; inténtelo de nuevo cuando termine",
                path.display()
            ),
            Error::NotARing(p) => format!(
                "el proceso que escucha en {} entregó algo que no es un anillo de ipcdemo (un \
                 memfd sellado con la cabecera del anillo); se rechaza mapearlo",
                p.display()
            ),
            Error::NoHandOver { path, waited } => format!(
                "nada llegó del proceso que escucha en {} en {}: ¿es `ipcdemo shm`? (un padre \
                 `ipcdemo socket` escucha en otro archivo)",
                path.display(),
                self.duration(*waited)
            ),
            Error::FatherLeftRing { path, sent } => format!(
                "el padre en {} se fue después de {} (su socket colgó); los registros que aún no \
                 había leído se pierden con el anillo",
                path.display(),
                count(*sent, "registro", "registros")
            ),
            Error::NoShmFather { path, stale: false } => format!(
                "ningún padre escucha en {} (no hay nada ahí); inicie `ipcdemo shm` primero",
                path.display()
            ),
            Error::NoShmFather { path, stale: true } => format!(
                "ningún padre escucha en {} (conexión rechazada): el archivo lo dejó un padre \
                 que murió; inicie `ipcdemo shm` primero",
                path.display()
            ),
            Error::RingBrokenByFather(p) => format!(
                "el anillo entregado en {} se rompió: el padre escribió una posición imposible",
                p.display()
            ),
            Error::AddsLost { sync, lost } => format!(
                "se perdieron {lost} sumas con --sync {}: eso es un defecto del programa, no una \
                 lección",
                sync.name()
            ),
            Error::NoSuchMeasure { mechanism, measure } => format!(
                "{} no tiene medida de {} (un eventfd lleva una cuenta, no bytes): quite \
                 --throughput-only o elija otro mecanismo",
                mechanism.name(),
                self.measure(*measure)
            ),
            Error::NeedsLinux(LinuxOnly::SharedMemory) => "la memoria compartida aquí necesita \
                                                           Linux (memfd_create, futex, eventfd, \
                                                           mutex robustos)"
                .into(),
            Error::NeedsLinux(LinuxOnly::ZeroCopy) => {
                "--zero-copy necesita Linux (vmsplice y splice)".into()
            }
            Error::NeedsLinux(LinuxOnly::Pin) => "--pin necesita Linux (sched_setaffinity)".into(),
            Error::ProgramNotStarted { program, errno: e } => {
                let name = program.first().map_or("", String::as_str);
                let why = match e {
                    Errno::ENOENT => {
                        ": ningún programa con ese nombre en el PATH; revise el \
                                     nombre, o indique su ruta"
                    }
                    Errno::EACCES => {
                        ": el archivo no es ejecutable (o una carpeta de su ruta \
                                     no se puede recorrer)"
                    }
                    _ => "",
                };
                format!("no se pudo ejecutar `{name}`: {}{why}", errno(*e))
            }
            Error::Deadlock {
                program,
                stall,
                written,
            } => self.deadlock(program, stall, *written),
            Error::SonStoppedReading {
                son,
                program,
                sent_lines,
                sent_bytes,
                answered,
                epipe: true,
            } => format!(
                "write(2) falló con EPIPE: el hijo {son} (`{}`) ya no lee su stdin (terminó) {}. \
                 Un pipe sin lector rechaza toda escritura (pipe(7)); antes el kernel envía \
                 SIGPIPE, que mataría en silencio a un padre que no lo ignorara (todo programa \
                 Rust lo ignora, así que ipcdemo recibe el error: signal(7))",
                command_line(program),
                self.son_progress(*sent_lines, *sent_bytes, *answered)
            ),
            Error::SonStoppedReading {
                son,
                program,
                sent_lines,
                sent_bytes,
                answered,
                epipe: false,
            } => format!(
                "el hijo {son} (`{}`) cerró su stdout (terminó) {}: read(2) devolvió 0, fin de \
                 archivo",
                command_line(program),
                self.son_progress(*sent_lines, *sent_bytes, *answered)
            ),
            Error::NeedsLinux(LinuxOnly::MessageQueues) => {
                "las colas de mensajes POSIX necesitan Linux aquí (macOS no las tiene)".into()
            }
            Error::NoQueue { name, given_name } => format!(
                "no existe la cola {name} (ENOENT): solo un padre la crea; inicie `{}` primero",
                mq_command(name, *given_name, false)
            ),
            Error::QueueOwner { name, owner, me } => format!(
                "me niego a usar la cola {name}: pertenece al uid {owner}, no a usted (uid {me}); \
                 quedó intacta; indique otro --name"
            ),
            Error::QueueForbidden(name) => format!(
                "me niego a usar la cola {name}: existe y usted no puede abrirla (EACCES), así que \
                 es de otro usuario; quedó intacta; indique otro --name"
            ),
            Error::AnotherFatherReceiving { name, pid } => format!(
                "otro padre{} ya está recibiendo en {name}: dos padres se llevarían cada uno parte de \
                 los mensajes; deténgalo o indique otro --name",
                pid.map_or_else(String::new, |pid| format!(" (pid {pid})"))
            ),
            Error::QueueFull {
                name,
                max_messages,
                sent,
            } => format!(
                "{name} está llena ({max_messages} mensajes, mq_maxmsg) tras {} de este hijo: con \
                 --no-wait, mq_send(3) falla con EAGAIN en vez de dormir hasta que el padre \
                 reciba uno; quite --no-wait para esperar espacio",
                count(*sent, "mensaje", "mensajes")
            ),
            Error::MessageTooLong {
                name,
                bytes,
                message_size,
            } => format!(
                "un mensaje de {} no cabe en {name}, cuyos mensajes tienen como máximo {} \
                 (mq_msgsize, fijado cuando el padre la creó): mq_send(3) lo rechazó entero con \
                 EMSGSIZE; inicie el padre con un --message-size mayor",
                count(*bytes as u64, "byte", "bytes"),
                count(*message_size as u64, "byte", "bytes")
            ),
            Error::QueueRefused {
                name,
                errno: e,
                asked: size,
                limits: l,
            } => {
                let head = format!("el núcleo se negó a crear {name} con {}", asked(*size));
                match e {
                    Errno::EINVAL => format!(
                        "{head} (EINVAL): sin CAP_SYS_RESOURCE una cola puede guardar como máximo \
                         msg_max {} mensajes de como máximo msgsize_max {} bytes \
                         (/proc/sys/fs/mqueue); pida menos con --max-messages y \
                         --message-size (con CAP_SYS_RESOURCE, hasta 65536 mensajes de 16 MiB)",
                        limit(l.msg_max),
                        limit(l.msgsize_max)
                    ),
                    Errno::EMFILE => format!(
                        "{head} (EMFILE): mq_maxmsg × mq_msgsize, más la contabilidad del núcleo, \
                         superaría su RLIMIT_MSGQUEUE ({}, `ulimit -q`), que suma todas sus \
                         colas y vale también para root (o se acabaron los descriptores de \
                         archivo); pida menos",
                        rlimit(l)
                    ),
                    Errno::ENOSPC => format!(
                        "{head} (ENOSPC): el sistema ya tiene queues_max ({}) colas \
                         (/proc/sys/fs/mqueue/queues_max); elimine algunas (`ls /dev/mqueue` \
                         las lista donde el sistema de archivos mqueue está montado)",
                        limit(l.queues_max)
                    ),
                    other => format!("{head}: {}", errno(*other)),
                }
            }
            Error::QueueRemoved { name, sent } => format!(
                "la cola {name} fue eliminada (su padre terminó) tras {} de este hijo: el hijo aún \
                 tiene la cola antigua, que ya nadie puede abrir; inicie un padre y luego un hijo",
                count(*sent, "mensaje", "mensajes")
            ),
            Error::NotAStream(mechanism) => format!(
                "{} no mueve bytes: no hay flujo que medir",
                mechanism.name()
            ),
            Error::NoSuchProcess(pid) => format!(
                "no existe el proceso {pid}; inicie `ipcdemo signal --father` en otra terminal y \
                 pase el pid que muestra"
            ),
            Error::ThreadNotProcess { tid, process } => format!(
                "{tid} es un hilo del proceso {process}, no un proceso; pase --son {process} si \
                 ese es el padre"
            ),
            Error::NotASignalFather { pid, cmdline } if cmdline.is_empty() => format!(
                "se rechaza enviar señales al proceso {pid}: no tiene línea de órdenes (un hilo \
                 del núcleo, o un proceso que ya terminó), así que no es un padre `ipcdemo signal`"
            ),
            Error::NotASignalFather { pid, cmdline } => format!(
                "se rechaza enviar señales al proceso {pid}: no es un padre `ipcdemo signal` (su \
                 línea de órdenes es `{cmdline}`), y una señal que no espera podría matarlo"
            ),
            Error::WouldKill {
                pid,
                signal,
                ignored: false,
            } => format!(
                "se rechaza enviar señales al proceso {pid}: ni bloquea ni atiende {}, cuya \
                 acción por defecto lo mataría; inicie el padre con el mismo --realtime que el \
                 hijo",
                signal.name()
            ),
            Error::WouldKill {
                pid,
                signal,
                ignored: true,
            } => format!(
                "se rechaza enviar señales al proceso {pid}: ignora {}, así que nada llegaría; \
                 inicie el padre con el mismo --realtime que el hijo",
                signal.name()
            ),
            Error::SignalNotPermitted { pid, signal } => format!(
                "el núcleo no le permite enviar {} al proceso {pid} (EPERM): pertenece a otro \
                 usuario",
                signal.name()
            ),
            Error::FatherGone { pid, sent } => format!(
                "el padre {pid} se fue después de {} (ESRCH)",
                count(*sent, "señal", "señales")
            ),
            Error::QueueLimitTooHigh { asked, hard } => format!(
                "--queue-limit {asked} supera su límite duro de RLIMIT_SIGPENDING ({hard}), que \
                 solo un usuario con privilegios puede subir; pida como mucho {hard}"
            ),
            Error::NoSender { path, stale: false } => format!(
                "nadie está enviando en {} (no hay nada allí): ejecute `ipcdemo fds --send` \
                 primero",
                path.display()
            ),
            Error::NoSender { path, stale: true } => format!(
                "nadie está enviando en {} (conexión rechazada): el archivo quedó de un \
                 remitente que murió; ejecute `ipcdemo fds --send`, que lo reemplaza",
                path.display()
            ),
            Error::NoDescriptor { path, count: 0 } => {
                format!(
                    "el remitente en {} no pasó ningún descriptor",
                    path.display()
                )
            }
            Error::NoDescriptor { path, count } => format!(
                "el remitente en {} pasó {count} descriptores, no uno; todos se cerraron sin usar",
                path.display()
            ),
            Error::NotAPipeWriteEnd { path } => format!(
                "lo que pasó el remitente en {} no es el extremo de escritura de un pipe; se \
                 cerró sin usar",
                path.display()
            ),
        }
    }

    fn doing(&self, doing: Doing, path: Option<&Path>) -> String {
        let p = show(path);
        match doing {
            Doing::CreatingFolder => format!("creando la carpeta {p}"),
            Doing::Examining => format!("examinando {p}"),
            Doing::CreatingFifo => format!("creando el FIFO {p}"),
            Doing::Opening => format!("abriendo {p}"),
            Doing::SettingMode => format!("poniendo el modo 0600 en {p}"),
            Doing::Reading => format!("leyendo {p}"),
            Doing::Reopening => format!("reabriendo {p} para esperar al siguiente hijo"),
            Doing::MakingBlocking => format!("poniendo {p} en modo bloqueante"),
            Doing::MakingNonblocking => "poniendo un descriptor en modo no bloqueante".into(),
            Doing::WritingTo => format!("escribiendo en {p}"),
            Doing::RemovingStaleSocket => format!("borrando el socket abandonado {p}"),
            Doing::CheckingInUse => format!("verificando si {p} está en uso"),
            Doing::Binding => match path {
                Some(_) => format!("asociando (bind) {p}"),
                None => "asociando (bind) un socket".into(),
            },
            Doing::ListeningOn => format!("escuchando en {p}"),
            Doing::Publishing => format!("publicando {p}"),
            Doing::ConnectingTo => match path {
                Some(_) => format!("conectando con {p}"),
                None => "conectando".into(),
            },
            Doing::CreatingPipe => "creando el pipe".into(),
            Doing::CreatingSocket => "creando un socket".into(),
            Doing::ForkingSon => "creando el proceso hijo con fork(2)".into(),
            Doing::StartingThread => "iniciando un hilo".into(),
            Doing::ReadingPipe => "leyendo del pipe".into(),
            Doing::WritingPipe => "escribiendo en el pipe".into(),
            Doing::WaitingForSon => "esperando al proceso hijo".into(),
            Doing::WaitingForSons => "esperando a los hijos (poll)".into(),
            Doing::AcceptingSon => "aceptando a un hijo".into(),
            Doing::ReadingFromSon => "leyendo de un hijo".into(),
            Doing::AskingPeer => {
                "preguntando al núcleo quién está del otro lado (SO_PEERCRED)".into()
            }
            Doing::SettingParentDeathSignal => "configurando PR_SET_PDEATHSIG".into(),
            Doing::InstallingSignals => "configurando el manejo de señales".into(),
            Doing::WritingStdout => "escribiendo en la salida estándar".into(),
            Doing::WritingRecords => "escribiendo un registro".into(),
            Doing::ReadingRecords => "leyendo registros".into(),
            Doing::CreatingScratch => format!("creando la carpeta temporal {p}"),
            Doing::Accepting => "aceptando una conexión".into(),
            Doing::SettingNoDelay => "configurando TCP_NODELAY".into(),
            Doing::Pinning => "fijando el proceso a una CPU".into(),
            Doing::ReadingAffinity => "leyendo la afinidad de CPU".into(),
            Doing::ForkingBenchChild => "creando el proceso hijo de la medición con fork(2)".into(),
            Doing::WaitingForBenchChild => "esperando al proceso hijo de la medición".into(),
            Doing::Streaming => "enviando el flujo".into(),
            Doing::Draining => "leyendo el flujo".into(),
            Doing::PingPong => "intercambiando idas y vueltas".into(),
            Doing::OpeningDevNull => "abriendo /dev/null".into(),
            Doing::SharingMemory => "compartiendo memoria con el hijo (mmap)".into(),
            Doing::WritingTrace => format!("escribiendo la traza {p}"),
            Doing::WritingExport => format!("escribiendo la exportación {p}"),
            Doing::Locking => format!("bloqueando {p}"),
            Doing::BlockingSignals => "bloqueando las señales de la lección".into(),
            Doing::SettingQueueLimit => "configurando RLIMIT_SIGPENDING".into(),
            Doing::ReadingProcess => format!("leyendo {p}"),
            Doing::SendingSignal => "enviando una señal".into(),
            Doing::WaitingForSignal => "esperando una señal (sigtimedwait)".into(),
            Doing::OpeningPidfd => "abriendo un pidfd para el padre".into(),
            Doing::OpeningQueue => format!("abriendo la cola {}", queue(path)),
            Doing::CreatingQueue => format!("creando la cola {}", queue(path)),
            Doing::RemovingQueue => format!("eliminando la cola {}", queue(path)),
            Doing::ReadingQueueAttributes => {
                format!("leyendo los atributos de {} (mq_getattr)", queue(path))
            }
            Doing::SendingToQueue => format!("enviando a {}", queue(path)),
            Doing::ReceivingFromQueue => format!("recibiendo de {}", queue(path)),
            Doing::WaitingForRoom => format!("esperando espacio en {} (poll)", queue(path)),
            Doing::ScanningProc => format!("recorriendo {}", show_or(path, "/proc")),
            Doing::PassingDescriptor => "pasando el descriptor (sendmsg, SCM_RIGHTS)".into(),
            Doing::ReceivingDescriptor => match path {
                Some(_) => format!("recibiendo un descriptor en {p} (recvmsg)"),
                None => "recibiendo un descriptor (recvmsg)".into(),
            },
            Doing::SettingPassCred => "pidiendo credenciales (SO_PASSCRED)".into(),
            Doing::Executing => format!("ejecutando {} (execve)", show_or(path, "el programa")),
            Doing::KillingSon => "matando al hijo (SIGKILL)".into(),
            Doing::CreatingMemfd => "creando un memfd (memfd_create)".into(),
            Doing::Sealing => "sellando el memfd contra encogimiento (F_ADD_SEALS)".into(),
            Doing::Mapping => "mapeando la memoria compartida (mmap)".into(),
            Doing::CreatingEventfd => "creando un eventfd".into(),
            Doing::PassingDescriptors => "entregando descriptores (SCM_RIGHTS)".into(),
            Doing::ReceivingDescriptors => "recibiendo el anillo (SCM_RIGHTS)".into(),
            Doing::InitialisingMutex => "preparando el mutex compartido entre procesos".into(),
            Doing::LockingMutex => "bloqueando el mutex compartido".into(),
            Doing::WaitingInRing => "esperando en el anillo".into(),
        }
    }

    fn refusal(&self, path: &Path, refusal: Refusal) -> String {
        let p = path.display();
        let why = match refusal {
            Refusal::WrongKind { found, wanted } => format!(
                "es {}, no un {}; no se tocó nada; bórrelo usted mismo o pase otro --path",
                self.file_kind(found),
                self.object(wanted)
            ),
            Refusal::FolderIsNot(found) => format!(
                "es {}, no una carpeta; bórrelo o pase --path",
                self.file_kind(found)
            ),
            Refusal::FolderOwner { owner, me } => format!(
                "pertenece al uid {owner}, no a usted (uid {me}); alguien más pudo haberla creado \
                 para espiar su demostración o inyectarle datos; bórrela o pase --path"
            ),
            Refusal::FolderMode(mode) => format!(
                "su modo es {mode:04o}, así que otros usuarios pueden llegar a lo que contiene; \
                 ejecute `chmod 700 {p}` o pase --path"
            ),
            Refusal::Owner { what, owner, me } => format!(
                "el {} pertenece al uid {owner}, no a usted (uid {me}); pase otro --path",
                self.object(what)
            ),
            Refusal::Writable(mode) => format!(
                "su modo es {mode:04o}, así que otros usuarios podrían escribir en él; primero \
                 ejecute `chmod go-w {p}` (o `chmod 600`)"
            ),
            Refusal::Replaced => {
                "otro archivo lo reemplazó mientras estaba en uso; me detengo".into()
            }
            Refusal::ListenerOwner { owner, me } => {
                format!("el proceso que escucha ahí es del uid {owner}, no de usted (uid {me})")
            }
        };
        format!("me niego a usar {p}: {why}")
    }

    fn file_kind(&self, kind: FileKind) -> &'static str {
        match kind {
            FileKind::Fifo => "un FIFO",
            FileKind::Socket => "un socket",
            FileKind::Symlink => "un enlace simbólico",
            FileKind::Regular => "un archivo regular",
            FileKind::Directory => "un directorio",
            FileKind::CharDevice => "un dispositivo de caracteres",
            FileKind::BlockDevice => "un dispositivo de bloques",
            FileKind::Unknown => "un tipo de archivo desconocido",
        }
    }

    fn object(&self, object: Object) -> &'static str {
        match object {
            Object::Fifo => "FIFO",
            Object::Socket => "socket",
        }
    }

    fn process_end(&self, end: ProcessEnd) -> String {
        match end {
            ProcessEnd::Exited(code) => format!("terminó con el estado {code}"),
            ProcessEnd::Signaled(signal) => format!("fue terminado por {signal}"),
            ProcessEnd::Other => "terminó de forma anormal".into(),
        }
    }

    fn pipe_size_refused(&self, refused: &PipeSizeError) -> String {
        let asked = human_bytes(refused.asked as u64);
        match refused.errno {
            Some(Errno::EPERM) => format!(
                "el núcleo rechazó un pipe de {asked} (EPERM): sin privilegios, un pipe no puede \
                 superar /proc/sys/fs/pipe-max-size ({}) ni su límite pipe-user-pages; pida \
                 menos",
                refused
                    .max
                    .map_or_else(|| "desconocido".into(), |m| human_bytes(m as u64))
            ),
            Some(Errno::EBUSY) => format!(
                "el núcleo rechazó un pipe de {asked} (EBUSY): el pipe ya contiene más que eso"
            ),
            Some(Errno::EINVAL) => format!(
                "el núcleo rechazó un pipe de {asked} (EINVAL): es demasiado grande para este \
                 núcleo"
            ),
            Some(other) => format!("el núcleo rechazó un pipe de {asked} ({})", errno(other)),
            None => {
                "este sistema no puede cambiar el tamaño de los pipes (F_SETPIPE_SZ es solo de \
                 Linux)"
                    .into()
            }
        }
    }

    fn error_prefix(&self) -> &'static str {
        "error"
    }

    fn reads_summary(&self, c: &ReadCounts) -> String {
        let mut line = format!(
            "resumen: {}, {} en {}: {} con exactamente un mensaje, {} con varios pegados, {} \
             con un trozo de uno",
            count(c.messages, "mensaje", "mensajes"),
            count(c.bytes, "byte", "bytes"),
            count(c.reads, "lectura", "lecturas"),
            c.reads_one_message,
            c.reads_several_messages,
            c.reads_part_message
        );
        if c.bytes_discarded > 0 {
            let n = count(c.bytes_discarded, "byte", "bytes");
            line.push_str(&format!(
                "; {n} más allá del tamaño de lectura se descartaron (MSG_TRUNC)"
            ));
        }
        line
    }

    fn sent_summary(&self, pid: i32, messages: u64, bytes: u64) -> String {
        format!(
            "hijo {pid}: envió {}, {}",
            count(messages, "mensaje", "mensajes"),
            count(bytes, "byte", "bytes")
        )
    }

    fn queue_summary(&self, r: &QueueReport) -> String {
        let left = match r.left_in_queue {
            0 => "estaba vacía cuando se eliminó".to_string(),
            1 => "1 mensaje que aún quedaba en ella se fue con ella cuando se eliminó".to_string(),
            n => format!(
                "{n} mensajes que aún quedaban en ella se fueron con ella cuando se eliminó"
            ),
        };
        format!(
            "resumen: {}, {} en {}: cada mq_receive(3) devolvió exactamente un mensaje \
             entero, {} con prioridad mayor que 0; {} guardaba como máximo {} de como máximo \
             {} (mq_maxmsg, mq_msgsize); {left}",
            count(r.messages, "mensaje", "mensajes"),
            count(r.bytes, "byte", "bytes"),
            count(r.receives, "recepción", "recepciones"),
            r.priority_messages,
            r.name,
            count(r.max_messages, "mensaje", "mensajes"),
            count(r.message_size_bytes as u64, "byte", "bytes"),
        )
    }

    fn signals_summary(&self, pid: i32, r: &SignalReport) -> String {
        let signal = r.signal.name();
        let received = r.received.unwrap_or(0);
        let sent = r.sent.unwrap_or(0);
        let order = match (r.realtime, r.out_of_order) {
            (false, _) => String::new(),
            (true, 0) => ", todos los valores en orden".to_string(),
            (true, n) => format!(", {n} fuera de orden"),
        };
        let lost = match r.merged {
            Some(n) if r.realtime && n > 0 => format!("; {n} nunca llegaron"),
            _ => String::new(),
        };
        let refused = match (r.refused, r.role) {
            (0, _) => String::new(),
            (n, Role::Father) => {
                format!(", y {n} fueron rechazadas (EAGAIN: la cola estaba llena)")
            }
            (n, Role::Son) => format!("; {n} rechazadas (EAGAIN: la cola estaba llena)"),
        };
        let mut line = match (r.role, r.sent) {
            (Role::Son, _) => {
                let to = r
                    .target
                    .map_or_else(|| "?".to_string(), |to| to.to_string());
                format!("hijo {pid}: {sent} {signal} enviadas al proceso {to}{refused}")
            }
            (Role::Father, Some(_)) if !r.realtime => {
                let merged = r.merged.unwrap_or(0);
                format!(
                    "resumen: el hijo envió {sent} {signal}; el padre recibió {received}: \
                     {merged} fundidas con una ya pendiente"
                )
            }
            (Role::Father, Some(_)) => format!(
                "resumen: el hijo encoló {sent} {signal}{refused}; el padre recibió \
                 {received}{order}{lost}"
            ),
            (Role::Father, None) => format!(
                "resumen: el padre recibió {received} {signal}{order}; cuántas se enviaron, solo \
                 lo sabe quien las envió"
            ),
        };
        if let (Some(limit), Some(after)) = (r.queue_limit, r.queue_full_after)
            && after < limit
        {
            line += &format!(
                "; el límite de {limit} se alcanzó después de {after} (otros procesos de su \
                 usuario ocupaban {} de él)",
                limit - after
            );
        }
        if r.waits > 0 {
            line += &format!(
                "; la cola se llenó {} y el hijo esperó espacio",
                count(r.waits, "vez", "veces")
            );
        }
        line
    }

    fn ping_pong_summary(&self, r: &PingPongReport) -> String {
        match (r.rtt_median_us, r.rtt_p99_us, r.round_trips_per_second) {
            (Some(median), Some(p99), Some(per_second)) => format!(
                "resumen: {} de {} entre padre e hijo: mediana {} µs, p99 {} µs, {} idas y \
                 vueltas/s",
                count(r.rounds, "ida y vuelta", "idas y vueltas"),
                r.signal.name(),
                self.num(median, 1),
                self.num(p99, 1),
                self.num(per_second, 0)
            ),
            _ => "resumen: no se midió ninguna ida y vuelta".into(),
        }
    }

    fn alarm_summary(&self, r: &AlarmReport) -> String {
        let waited = self.num(r.waited_s, 3);
        if r.rang {
            format!(
                "resumen: alarm({}) sonó después de {waited} s: la pausa terminó cuando corrió el \
                 manejador de SIGALRM (alarm(2), sigsuspend(2))",
                r.seconds
            )
        } else {
            format!(
                "resumen: detenido después de {waited} s, antes de que sonara alarm({})",
                r.seconds
            )
        }
    }

    fn why(&self, why: Why) -> String {
        match why {
            Why::ByteStream => "por qué: un pipe (y un socket SOCK_STREAM) es un flujo de bytes \
                                sin límites entre mensajes; read(2) devuelve lo que haya \
                                llegado, hasta el tamaño pedido (pipe(7), unix(7))"
                .into(),
            Why::MessageQueue => {
                "por qué: una cola de mensajes conserva cada límite entre mensajes: cada \
                                  mq_receive(3) devuelve un mensaje entero, nunca un trozo ni \
                                  dos, el más antiguo de la mayor prioridad en espera; los \
                                  mensajes esperan en el núcleo hasta ser recibidos o hasta que \
                                  se elimina la cola, y nada dice quién los envió \
                                  (mq_overview(7))"
                    .into()
            }
            Why::Tcp => "por qué: TCP también es un flujo de bytes, y no lleva \
                         credenciales: el padre conoce a cada hijo por su dirección y puerto, no \
                         por quién lo ejecuta (tcp(7))"
                .into(),
            Why::Ring => "por qué: el anillo guarda la longitud de cada registro antes de sus \
                          bytes, así que cada registro llega entero y solo, nunca pegado como en \
                          las lecturas de un pipe; y ninguna llamada al sistema los llevó: los \
                          dos procesos mapean el mismo memfd (memfd_create(2), mmap(2)), y una \
                          palabra de confirmación publicó cada uno"
                .into(),
            Why::Seqpacket => "por qué: SOCK_SEQPACKET conserva los límites: cada read(2) \
                               devuelve exactamente un mensaje (unix(7))"
                .into(),
            Why::SignalsMerge => "por qué: una señal estándar es un bit en el conjunto de \
                                  pendientes, no un contador: una señal enviada mientras otra \
                                  igual está pendiente se funde con ella, y kill(2) aun así dice \
                                  que tuvo éxito (signal(7))"
                .into(),
            Why::SignalsQueue => "por qué: las señales de tiempo real hacen cola: cada \
                                  sigqueue(3) se entrega una vez, en el orden de envío, con su \
                                  valor (signal(7), sigqueue(3))"
                .into(),
            Why::QueueLimit(limit) => format!(
                "por qué: RLIMIT_SIGPENDING ({limit}) limita las señales pendientes de un usuario \
                 real, sumando todos sus procesos; pasado ese límite sigqueue(3) falla con EAGAIN \
                 (getrlimit(2), signal(7))"
            ),
            Why::SignalPingPong => "por qué: cada ida y vuelta son dos llamadas a sigqueue(3) y \
                                    dos despertares en sigtimedwait(2); casi todo el tiempo es \
                                    despertar al otro proceso, como en un pipe (signal(7))"
                .into(),
        }
    }

    fn capacity_summary(&self, r: &CapacityReport) -> String {
        let reported = r
            .pipe_size_bytes
            .map_or_else(|| "?".to_string(), |size| size.to_string());
        format!(
            "resumen: el {} contuvo {} sin lector (F_GETPIPE_SZ dice {reported}) en {} de {}, \
             {}",
            r.mechanism.name(),
            count(r.held_bytes, "byte", "bytes"),
            count(r.writes, "escritura", "escrituras"),
            count(r.write_size_bytes as u64, "byte", "bytes"),
            count(r.partial_writes, "parcial", "parciales")
        )
    }

    fn capacity_why(&self, r: &CapacityReport) -> String {
        let first = if r.write_size_bytes <= r.pipe_buf_bytes {
            format!(
                "por qué: las escrituras de hasta PIPE_BUF ({}) bytes son de todo o nada, así \
                 que la última fue rechazada entera (EAGAIN)",
                r.pipe_buf_bytes
            )
        } else {
            format!(
                "por qué: las escrituras de más de PIPE_BUF ({}) bytes no son atómicas: el \
                 núcleo tomó solo el espacio que había ({})",
                r.pipe_buf_bytes,
                count(
                    r.partial_writes,
                    "escritura parcial",
                    "escrituras parciales"
                )
            )
        };
        format!(
            "{first}\nun escritor bloqueante ahora dormiría en write(2) hasta que un lector \
             libere espacio; sin ningún lector, para siempre (pipe(7))"
        )
    }

    fn exec_summary(&self, r: &ExecReport) -> String {
        let cmd = command_line(&r.program);
        let son = r.son;
        let end = r.end.map_or_else(String::new, |end| {
            format!("; el hijo {son} {}", self.process_end(end))
        });
        if r.big {
            let check = match (r.same_as_sent, r.first_difference_at) {
                (Some(true), _) => ", cada byte tal como se envió".to_string(),
                (Some(false), Some(at)) => {
                    format!(", distinto de la entrada a partir del byte {at}")
                }
                _ => String::new(),
            };
            format!(
                "resumen: escribió {} al hijo {son} (`{cmd}`) y leyó {} de vuelta{check}{end}",
                count(r.bytes_sent, "byte", "bytes"),
                count(r.bytes_received, "byte", "bytes")
            )
        } else {
            format!(
                "resumen: envió {} ({}) al hijo {son} (`{cmd}`), recibió {} ({}){end}",
                count(r.lines_sent, "línea", "líneas"),
                count(r.bytes_sent, "byte", "bytes"),
                count(r.lines_received, "línea", "líneas"),
                count(r.bytes_received, "byte", "bytes")
            )
        }
    }

    fn atomic_header(&self) -> [&'static str; 6] {
        [
            "tamaño del registro",
            "escritores",
            "registros",
            "rotos",
            "bytes perdidos",
            "veredicto",
        ]
    }

    fn atomic_verdict(&self, run: &AtomicRun) -> String {
        let verdict = match (run.within_pipe_buf(), run.records_torn > 0) {
            (true, false) => "atómicos, como promete pipe(7) hasta PIPE_BUF",
            (true, true) => "ROTOS: este núcleo no cumplió la promesa de pipe(7)",
            (false, true) => "rotos: por encima de PIPE_BUF no se promete nada",
            (false, false) => {
                "ninguno se rompió esta vez, pero por encima de PIPE_BUF el núcleo no prometió \
                 nada"
            }
        };
        if run.stopped {
            format!("interrumpido; hasta ahí, {verdict}")
        } else {
            verdict.into()
        }
    }

    fn race_header(&self) -> [&'static str; 9] {
        [
            "sync",
            "hijos",
            "sumas c/u",
            "esperado",
            "obtenido",
            "perdido",
            "% perdido",
            "tiempo s",
            "CPU s",
        ]
    }

    fn race_why(&self, sync: SyncMode) -> String {
        match sync {
            SyncMode::None => "por qué (none): count += 1 son tres pasos, leer, sumar y \
                               escribir; cuando dos hijos leen el mismo valor, ambos escriben \
                               ese valor + 1 y se pierde una suma"
                .into(),
            SyncMode::Atomic => {
                "por qué (atomic): fetch_add es una lectura-modificación-escritura \
                                 que la CPU hace entera (lock xadd): nada se pierde, pero cada \
                                 suma disputa la misma línea de caché"
                    .into()
            }
            SyncMode::Lock => "por qué (lock): un mutex compartido entre procesos deja que un \
                               hijo a la vez haga los tres pasos: nada se pierde, y los hijos se \
                               esperan unos a otros en futex(2)"
                .into(),
        }
    }

    fn race_owner_died(&self, times: u64) -> String {
        format!(
            "EOWNERDEAD {}: un hijo murió sosteniendo el candado, y el mutex robusto \
             (PTHREAD_MUTEX_ROBUST) se lo dijo al siguiente en bloquearlo en vez de dejar a todos \
             esperando para siempre (pthread_mutex_lock(3))",
            count(times, "vez", "veces")
        )
    }

    fn cpu_summary(&self, r: &CpuReport) -> String {
        let cpu = format!(
            "CPU {} s ({} usuario, {} sistema)",
            self.num(r.user_s + r.sys_s, 3),
            self.num(r.user_s, 3),
            self.num(r.sys_s, 3)
        );
        let waited = match r.wake {
            Wake::Spin => "giró (spin) mientras esperaba",
            Wake::Futex => "durmió en futex(2) mientras esperaba",
            Wake::Eventfd => "durmió en poll(2) sobre un eventfd mientras esperaba",
        };
        let sent = count(r.records, "registro enviado", "registros enviados");
        let received = count(r.records, "registro recibido", "registros recibidos");
        match (r.role, r.wall_s) {
            (Role::Son, None) => format!(
                "hijo {}, según lo último que escribió en el anillo: {sent}; {cpu}",
                r.process
            ),
            (role, Some(wall)) => format!(
                "{} {}: {}; {cpu} en {} s de reloj ({} % de una CPU): {waited}",
                match role {
                    Role::Father => "padre",
                    Role::Son => "hijo",
                },
                r.process,
                match role {
                    Role::Father => &received,
                    Role::Son => &sent,
                },
                self.num(wall, 3),
                self.num(super::percent_of_a_cpu(r.user_s + r.sys_s, wall), 0)
            ),
            (Role::Father, None) => format!("padre {}: {received}; {cpu}", r.process),
        }
    }

    fn copy_ceiling(&self, which: &str, ceiling_gib: f64, shm_gib: f64) -> String {
        format!(
            "techo ({which}): copiar y verificar los mismos registros en un solo proceso, por un \
             búfer del tamaño del anillo, va a {} GiB/s: un transporte que los copia dos veces \
             en una CPU; la fila shm, con dos procesos, movió {}× eso",
            self.num(ceiling_gib, 2),
            self.num(shm_gib / ceiling_gib.max(f64::MIN_POSITIVE), 2)
        )
    }

    fn measure(&self, measure: Measure) -> &'static str {
        match measure {
            Measure::Throughput => "rendimiento",
            Measure::Latency => "latencia",
        }
    }

    fn bench_header(&self) -> [&'static str; 16] {
        [
            "mecanismo",
            "medida",
            "tamaño",
            "cantidad",
            "GiB/s",
            "mensajes/s",
            "p50 µs",
            "p90 µs",
            "p99 µs",
            "p99.9 µs",
            "max µs",
            "idas y vueltas/s",
            "CPU padre s",
            "CPU hijo s",
            "costo de CPU",
            "modo",
        ]
    }

    fn unsupported(&self, why: Unsupported) -> String {
        match why {
            Unsupported::AboveSendBuffer { max_bytes } => format!(
                "- (un registro debe caber en el búfer de envío: como máximo {})",
                human_bytes(max_bytes as u64)
            ),
            Unsupported::AboveMessageSize { max_bytes } => format!(
                "- (un mensaje tiene como máximo {} aquí: mq_msgsize, dentro de RLIMIT_MSGQUEUE)",
                human_bytes(max_bytes as u64)
            ),
            Unsupported::NoPayload => {
                "- (lleva un número, ninguna carga que dimensionar)".to_string()
            }
            Unsupported::NoFanIn => "- (sin fan-in aquí: ver la nota)".to_string(),
        }
    }

    fn export_title(&self) -> &'static str {
        "resultados de ipcdemo bench"
    }

    fn fact(&self, fact: Fact) -> &'static str {
        match fact {
            Fact::Command => "orden",
            Fact::Kernel => "núcleo",
            Fact::Unknown => "desconocido",
        }
    }

    fn cpus_fact(&self, online: usize, allowed: &str) -> String {
        format!("CPU: {online} en línea; esta ejecución puede usar {allowed}")
    }

    fn cpu_cost(&self, value: f64, measure: Measure) -> String {
        match measure {
            Measure::Latency => format!("{} µs/viaje", self.num(value, 1)),
            Measure::Throughput => format!("{} s/GiB", self.num(value, 3)),
        }
    }

    fn mode_part(&self, part: ModePart) -> String {
        match part {
            ModePart::ReadWrite => "lectura/escritura".into(),
            ModePart::ZeroCopy => "vmsplice/splice".into(),
            ModePart::SendReceive => "mq_send/mq_receive".into(),
            ModePart::Queue {
                max_messages,
                message_size,
            } => format!(
                "colas de {max_messages} × {}",
                human_bytes(message_size as u64)
            ),
            ModePart::PipeSize(bytes) => format!("pipe de {}", human_bytes(bytes as u64)),
            ModePart::BusyPoll => "busy-poll".into(),
            ModePart::HugePages => "páginas enormes".into(),
            ModePart::SameCpu(cpu) => format!("misma CPU ({cpu})"),
            ModePart::SplitCpus(parent, child) => format!("CPUs separadas ({parent}, {child})"),
            ModePart::Sigqueue => "sigqueue/sigtimedwait".into(),
            ModePart::Memcpy => "memcpy".into(),
            ModePart::Futex => "futex".into(),
            ModePart::Ring(bytes) => format!("anillo de {}", human_bytes(bytes as u64)),
            ModePart::MeanOnly(nanos) => format!(
                "media de {} µs, sin percentiles",
                self.num(nanos as f64 / 1e3, 2)
            ),
            ModePart::FanIn {
                senders,
                record_bytes,
            } => format!(
                "{}, registros de {}",
                count(senders as u64, "emisor", "emisores"),
                human_bytes(record_bytes as u64)
            ),
        }
    }

    fn bench_note(&self, mechanism: Mechanism, note: &BenchNote) -> String {
        let what = match note {
            BenchNote::PipeSizeRefused { .. } => match note.pipe_size_error() {
                Some(refused) => format!(
                    "{}; se midió con el tamaño que dejó el núcleo",
                    self.pipe_size_refused(&refused)
                ),
                None => String::new(),
            },
            BenchNote::MessageSizeCapped { asked, max } => format!(
                "aquí los mensajes tienen como máximo {} (/proc/sys/fs/mqueue/msgsize_max, o lo \
                 que deja RLIMIT_MSGQUEUE), así que la fila envió mensajes de {}, no los de {} \
                 pedidos",
                human_bytes(*max as u64),
                human_bytes(*max as u64),
                human_bytes(*asked as u64)
            ),
            BenchNote::ZeroCopyCountsOnly => "copia cero: el lector pasa las páginas a \
                                              /dev/null con splice(2) sin mirarlas, así que \
                                              solo se verifica la cantidad de bytes"
                .into(),
            BenchNote::SignalLatencyOnly => "una señal lleva un número (la ronda) y ningún \
                                             byte: no hay fila de rendimiento, y --msg-size no \
                                             se aplica"
                .into(),
            BenchNote::FanInDoesNotApply => {
                let why = match mechanism {
                    Mechanism::Socketpair => {
                        "un socketpair tiene exactamente dos extremos, uno para cada uno de dos \
                         procesos: ningún socket de escucha al que se conecte un tercero"
                    }
                    Mechanism::UnixSeqpacket => {
                        "un socket seqpacket mantiene cada escritura como un paquete entero, así \
                         que los emisores no rompen los registros de los otros"
                    }
                    Mechanism::Mq => {
                        "una cola de mensajes mantiene entero cada mensaje, lo envíe quien lo \
                         envíe"
                    }
                    Mechanism::Shm => {
                        "el anillo tiene el índice de un solo escritor; dos escritores se lo \
                         disputarían (ver ipcdemo shm race)"
                    }
                    Mechanism::Signal | Mechanism::Eventfd => "lleva un número, no bytes",
                    Mechanism::Pipe | Mechanism::Fifo | Mechanism::UnixStream | Mechanism::Tcp => {
                        "no en esta ejecución"
                    }
                };
                format!(
                    "fan-in (--senders) no se aplica: {why}; se mide en los flujos de bytes \
                     (pipe, fifo, unix-stream, tcp)"
                )
            }
            BenchNote::RecordsCapped { asked, pipe_buf } => format!(
                "fan-in: registros de {} (PIPE_BUF), no los {} de --size: solo una escritura de \
                 como máximo PIPE_BUF bytes en un pipe es atómica (pipe(7)); una mayor puede \
                 partirse e intercalarse con bytes de otros emisores",
                human_bytes(*pipe_buf as u64),
                human_bytes(*asked as u64)
            ),
            BenchNote::RecordsPadded { asked, header } => format!(
                "fan-in: registros de {}, no {}: cada registro lleva su emisor y su número de \
                 secuencia",
                count(*header as u64, "byte", "bytes"),
                count(*asked as u64, "byte", "bytes")
            ),
        };
        format!("nota ({}): {what}", mechanism.name())
    }

    fn fan_in_fairness(&self, mechanism: Mechanism, f: &FanIn) -> String {
        format!(
            "equidad ({}, {}): cuando terminó el primer emisor, cada uno tenía del {} % al {} % \
             de los bytes leídos (ideal {} %)",
            mechanism.name(),
            count(f.senders as u64, "emisor", "emisores"),
            self.num(100.0 * f.share_min, 1),
            self.num(100.0 * f.share_max, 1),
            self.num(100.0 / f.senders.max(1) as f64, 1)
        )
    }

    fn bench_reading(&self, r: &Reading) -> String {
        let mut line = String::from("conclusión:");
        if let Some((best, gib, times_tcp)) = r.fastest {
            line += &format!(
                " el flujo más rápido fue {} con {} GiB/s",
                sized(best, r.sizes.0),
                self.num(gib, 2)
            );
            if let Some(times) = times_tcp {
                line += &format!(" ({}× tcp)", self.num(times, 1));
            }
            line += if r.quickest.is_some() { ";" } else { "." };
        }
        if let Some((best, median)) = r.quickest {
            line += &format!(
                " la ida y vuelta más rápida fue {} con una {} de {} µs.",
                sized(best, r.sizes.1),
                if r.by_mean { "media" } else { "mediana" },
                self.num(median, 1)
            );
            if r.suggest_pinning {
                line += " Casi todo ese tiempo se va en despertar al otro proceso en otra CPU: \
                         pruebe --pin same o --busy-poll.";
            }
        }
        line
    }

    fn progress(
        &self,
        step: usize,
        steps: usize,
        mechanism: Mechanism,
        measure: Measure,
        size: Option<usize>,
    ) -> String {
        format!(
            "medición [{step}/{steps}] {} de {}{}…",
            self.measure(measure),
            mechanism.name(),
            size.map_or_else(String::new, |s| format!(", {}", human_bytes(s as u64)))
        )
    }

    fn waiting(&self, w: &crate::event::Waiting) -> String {
        format!(
            "el padre pasó el {} % del tiempo esperando en read(2) ({} de {})",
            self.num(100.0 * w.waited_s / w.reading_s, 0),
            self.duration(std::time::Duration::from_secs_f64(w.waited_s)),
            self.duration(std::time::Duration::from_secs_f64(w.reading_s))
        )
    }

    fn plot(&self, word: PlotWord) -> String {
        match word {
            PlotWord::Title => "ipcdemo bench: rendimiento e idas y vueltas",
            PlotWord::ThroughputBySize => "Rendimiento según el tamaño del mensaje",
            PlotWord::Throughput => "Rendimiento",
            PlotWord::LatencyBySize => "Ida y vuelta según el tamaño del mensaje",
            PlotWord::Latency => "Percentiles de la ida y vuelta",
            PlotWord::MessageSize => "tamaño del mensaje (escala log)",
            PlotWord::BytesPerSecond => "bytes/s, en un sentido (escala log)",
            PlotWord::GibPerSecond => "GiB por segundo, en un sentido",
            PlotWord::RoundTrip => "ida y vuelta (escala log)",
            PlotWord::Percentile => "percentil de las idas y vueltas",
            PlotWord::Median => "mediana (p50)",
            PlotWord::P99 => "percentil 99 (p99)",
            PlotWord::Max => "máx",
            PlotWord::NoData => "Nada que dibujar: no se midió ninguna fila",
        }
        .into()
    }

    fn timeline(&self, word: TimelineWord) -> String {
        match word {
            TimelineWord::Son => "hijo".into(),
            TimelineWord::Father => "padre".into(),
            TimelineWord::Pipe => "pipe".into(),
            TimelineWord::Write => "escribe".into(),
            TimelineWord::Writes(n) => count(n, "escritura", "escrituras"),
            TimelineWord::Waited(ms) => format!("({} ms)", self.num(ms, 0)),
            TimelineWord::EndOfFile => "fin de archivo".into(),
            TimelineWord::Legend(Channel::Pipe) => {
                "línea de tiempo: (ms) = cuánto esperó una lectura; pipe = bytes escritos y \
                                                   aún no leídos, contados desde la llamada de \
                                                   cada escritura hasta el retorno de cada \
                                                   lectura, así que en cada instante una cota \
                                                   superior"
                    .into()
            }
            TimelineWord::Legend(Channel::Fifo) => {
                "línea de tiempo: (ms) = cuánto esperó una lectura; pipe = bytes esperando en \
                                                   el FIFO justo antes de cada lectura \
                                                   (FIONREAD); con varios hijos escribiendo, un \
                                                   FIFO no sabe de quién son los bytes, así que \
                                                   no se dibuja ninguna escritura"
                    .into()
            }
            TimelineWord::Legend(Channel::Socket) => {
                "línea de tiempo: (ms) = cuánto esperó una lectura; pipe = bytes esperando en \
                                                     la conexión de ese hijo justo antes de cada \
                                                     lectura (FIONREAD)"
                    .into()
            }
        }
    }
    fn atomic_progress(&self, step: usize, steps: usize, record_size: usize) -> String {
        format!(
            "atomic [{step}/{steps}] registros de {} bytes…",
            record_size
        )
    }
    fn leak_summary(&self, r: &LeakReport) -> String {
        let first = match (r.forgot_close, r.stalled_ms) {
            (true, Some(ms)) => {
                let held = if r.write_ends.is_empty() {
                    "ningún proceso que /proc muestre".to_string()
                } else {
                    held_list(&r.write_ends)
                };
                let then = if r.end_of_file {
                    "cuando el padre cerró la copia olvidada, el fin de archivo llegó enseguida"
                } else {
                    "la ejecución terminó antes del fin de archivo"
                };
                format!(
                    "resumen: el hijo se fue, pero no llegó ningún fin de archivo durante {}: un \
                     extremo de escritura seguía abierto ({held}); {then}",
                    self.duration(std::time::Duration::from_millis(ms))
                )
            }
            (true, None) => "resumen: el padre guardó su copia del extremo de escritura; la \
                             ejecución terminó antes de que su hijo se fuera"
                .into(),
            (false, _) if r.end_of_file => "resumen: el padre cerró enseguida su copia del \
                                            extremo de escritura, así que el fin de archivo \
                                            llegó en cuanto su hijo se fue"
                .into(),
            (false, _) => "resumen: la ejecución terminó antes de que el hijo se fuera".into(),
        };
        let Some(inherited) = &r.inherited else {
            return first;
        };
        let mut second = if inherited.is_empty() {
            "O_CLOEXEC: el hijo que hizo exec no tenía nada del pipe de pipe(2)".to_string()
        } else {
            format!(
                "O_CLOEXEC: el hijo que hizo exec todavía tenía {} del pipe de pipe(2) (fd {}), \
                 así que su fin de archivo esperó a que ese hijo terminara",
                count(inherited.len() as u64, "descriptor", "descriptores"),
                fd_list(inherited)
            )
        };
        match &r.inherited_cloexec {
            Some(fds) if fds.is_empty() => {
                second.push_str("; el hijo del pipe de pipe2(O_CLOEXEC) no tenía ninguno")
            }
            Some(fds) => second.push_str(&format!(
                "; el hijo del pipe de pipe2(O_CLOEXEC) tenía {} (fd {})",
                count(fds.len() as u64, "descriptor", "descriptores"),
                fd_list(fds)
            )),
            None => {}
        }
        format!("{first}\n{second}")
    }

    fn leak_why(&self) -> String {
        "por qué: read(2) devuelve 0 solo cuando todos los extremos de escritura están cerrados, \
         en todos los procesos (pipe(7)); fork(2) copia todos los descriptores, y execve(2) \
         conserva cada uno que no tenga FD_CLOEXEC (fcntl(2)): cree los pipes con O_CLOEXEC y \
         cierre los extremos que no use"
            .into()
    }

    fn crash_summary(&self, r: &CrashReport) -> String {
        let name = r.mechanism.name();
        let Some(son) = r.son else {
            return format!("resumen ({name}): la ejecución terminó antes de matar a un hijo");
        };
        let how = if r.killed_in_write {
            "dentro de write(2)"
        } else {
            "mientras escribía"
        };
        let mut line = format!("resumen ({name}): el hijo {son} murió por SIGKILL {how}");
        if !r.end_of_file {
            line.push_str("; la ejecución terminó antes de que el lector viera el fin de archivo");
            return line;
        }
        line.push_str(&format!(
            "; el lector todavía recibió {}, y luego fin de archivo",
            count(r.bytes_after_kill, "byte", "bytes")
        ));
        match &r.left_behind {
            None if r.mechanism == Mechanism::Pipe => {
                line.push_str("; no quedó nada atrás: un pipe no tiene nombre")
            }
            None => line.push_str("; no quedó nada atrás"),
            Some(path) => {
                line.push_str(&format!("; dejó {} atrás", path.display()));
                if r.stale {
                    line.push_str(", un socket abandonado (connect(2) es rechazado)");
                }
                if r.recovered {
                    line.push_str(
                        ", que el manejo de sockets abandonados de `ipcdemo socket` reemplazó",
                    );
                }
                if r.removed {
                    line.push_str("; borrado ahora, con la carpeta temporal");
                }
            }
        }
        line
    }

    fn crash_why(&self) -> String {
        "por qué: el kernel cierra todos los descriptores de un proceso muerto, así que su lector \
         recibe los bytes que ya estaban en el búfer, que pueden terminar en medio de un mensaje \
         (una escritura por encima de PIPE_BUF no es atómica, pipe(7)), y luego fin de archivo; \
         pero un nombre en el sistema de archivos no pertenece a ningún proceso: un FIFO o un \
         archivo de socket queda hasta que alguien lo borre (fifo(7), unix(7))"
            .into()
    }

    fn lesson(&self, lesson: Lesson) -> &'static str {
        match lesson {
            Lesson::Anon => "un pipe(2) entre un hilo hijo y su padre: los mensajes se pegan",
            Lesson::AnonFork => "lo mismo con un proceso hijo: dos PID, un pipe",
            Lesson::Named => "un FIFO: el padre aquí, `ipcdemo named --son` en otra terminal",
            Lesson::Socket => "un socket Unix: una conexión por hijo, su identidad, respuestas",
            Lesson::Seqpacket => "lo mismo, pero cada lectura es exactamente un mensaje",
            Lesson::Capacity => "cuánto contiene un pipe antes de que un escritor se bloquee",
            Lesson::Atomic => "qué escrituras se rompen si muchos escritores comparten un pipe",
            Lesson::Signal => "las señales llevan un bit: 1000 enviadas bloqueadas, llega 1",
            Lesson::Mq => "una cola de mensajes: mensajes enteros, prioridades que se adelantan",
            Lesson::Exec => "un programa en dos pipes: los interbloqueos que todos encuentran",
            Lesson::Fds => "quién tiene los extremos de un pipe: fugas, exec, envío, kill -9",
            Lesson::ShmRace => {
                "procesos suman en un contador en memoria compartida: se pierden sumas"
            }
            Lesson::Shm => {
                "memoria compartida: el padre aquí, `ipcdemo shm --son` en otra terminal"
            }
            Lesson::Bench => "pipes, sockets, TCP, shm, señales, colas: qué tan rápidos son aquí",
        }
    }

    fn lessons_intro(&self) -> &'static str {
        "ipcdemo: vea cómo viajan los bytes entre hilos y procesos. Las lecciones, en orden:"
    }

    fn lessons_outro(&self) -> &'static str {
        "Ejecute `ipcdemo <lección> --help` para ver sus opciones y `ipcdemo --help` para todo."
    }
}
