//! Español (neutro, como se usa en las aulas de América Latina).

use std::path::Path;

use nix::errno::Errno;

use super::{ModePart, Reading, Words, count, human_bytes, shm_son_command, son_command, son_name};
use crate::bench::model::{BenchNote, Measure, Mechanism, Wake};
use crate::event::{
    AtomicRun, CapacityReport, CpuReport, Error, Event, LinuxOnly, Note, Partial, ProcessEnd,
    ReadCounts, Role, SyncMode, Why,
};
use crate::report::lessons::Lesson;
use crate::sys::pipesize::PipeSizeError;
use crate::sys::{Doing, FileKind, Object, Refusal};

pub struct Es;

/// `desc (NAME)`: the system's words for an errno, then its name to search for.
fn errno(e: Errno) -> String {
    format!("{} ({e:?})", e.desc())
}

fn show(path: Option<&Path>) -> String {
    path.map_or_else(|| "el archivo".to_string(), |p| p.display().to_string())
}

/// The article a measure takes: "el rendimiento", "la latencia".
fn article(measure: Measure) -> &'static str {
    match measure {
        Measure::Throughput => "el",
        Measure::Latency => "la",
    }
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
                record: _,
            } => {
                let data = data.escaped();
                let mut line = match son.map(son_name) {
                    Some(son) => {
                        format!("{who} {pid} recibió [{data}] del hijo {son} a las {time}")
                    }
                    None => format!("{who} {pid} recibió [{data}] a las {time}"),
                };
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
            Event::Sent { data } => format!("{who} {pid} envió [{}] a las {time}", data.escaped()),
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
            Event::Eof | Event::Listening { .. } => return None,
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
                "se reemplazó el socket abandonado {} (nadie escuchaba: un padre terminado con \
                 -9)",
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
            Error::PipeBufBroken { pipe_buf } => format!(
                "se rompió un registro de PIPE_BUF ({pipe_buf}) bytes como máximo: este núcleo \
                 no cumplió la promesa de pipe(7)"
            ),
            Error::Bench {
                mechanism,
                measure,
                error,
            } => format!(
                "midiendo {} {} de {}: {}",
                article(*measure),
                self.measure(*measure),
                mechanism.name(),
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
            Doing::Locking => format!("bloqueando {p}"),
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

    fn why(&self, why: Why) -> String {
        match why {
            Why::ByteStream => "por qué: un pipe (y un socket SOCK_STREAM) es un flujo de bytes \
                                sin límites entre mensajes; read(2) devuelve lo que haya \
                                llegado, hasta el tamaño pedido (pipe(7), unix(7))"
                .into(),
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
        match (run.within_pipe_buf(), run.records_torn > 0) {
            (true, false) => "atómicos, como promete pipe(7) hasta PIPE_BUF",
            (true, true) => "ROTOS: este núcleo no cumplió la promesa de pipe(7)",
            (false, true) => "rotos: por encima de PIPE_BUF no se promete nada",
            (false, false) => {
                "ninguno se rompió esta vez, pero por encima de PIPE_BUF el núcleo no prometió \
                 nada"
            }
        }
        .into()
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

    fn copy_ceiling(&self, ceiling_gib: f64, shm_gib: f64) -> String {
        format!(
            "techo (shm): copiar y verificar los mismos registros en un solo proceso, por un \
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

    fn bench_header(&self) -> [&'static str; 9] {
        [
            "mecanismo",
            "medida",
            "GiB/s",
            "mediana µs",
            "p99 µs",
            "idas y vueltas/s",
            "CPU padre s",
            "CPU hijo s",
            "modo",
        ]
    }

    fn mode_part(&self, part: ModePart) -> String {
        match part {
            ModePart::ReadWrite => "lectura/escritura".into(),
            ModePart::ZeroCopy => "vmsplice/splice".into(),
            ModePart::PipeSize(bytes) => format!("pipe de {}", human_bytes(bytes as u64)),
            ModePart::BusyPoll => "busy-poll".into(),
            ModePart::HugePages => "páginas enormes".into(),
            ModePart::SameCpu(cpu) => format!("misma CPU ({cpu})"),
            ModePart::SplitCpus(parent, child) => format!("CPUs separadas ({parent}, {child})"),
            ModePart::Memcpy => "memcpy".into(),
            ModePart::Futex => "futex".into(),
            ModePart::Ring(bytes) => format!("anillo de {}", human_bytes(bytes as u64)),
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
            BenchNote::ZeroCopyCountsOnly => "copia cero: el lector pasa las páginas a \
                                              /dev/null con splice(2) sin mirarlas, así que \
                                              solo se verifica la cantidad de bytes"
                .into(),
        };
        format!("nota ({}): {what}", mechanism.name())
    }

    fn bench_reading(&self, r: &Reading) -> String {
        let mut line = String::from("conclusión:");
        if let Some((best, gib, times_tcp)) = r.fastest {
            line += &format!(
                " el flujo más rápido fue {} con {} GiB/s",
                best.name(),
                self.num(gib, 2)
            );
            if let Some(times) = times_tcp {
                line += &format!(" ({}× tcp)", self.num(times, 1));
            }
            line += if r.quickest.is_some() { ";" } else { "." };
        }
        if let Some((best, median)) = r.quickest {
            line += &format!(
                " la ida y vuelta más rápida fue {} con una mediana de {} µs.",
                best.name(),
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
    ) -> String {
        format!(
            "medición [{step}/{steps}] {} de {}…",
            self.measure(measure),
            mechanism.name()
        )
    }

    fn atomic_progress(&self, step: usize, steps: usize, record_size: usize) -> String {
        format!(
            "atomic [{step}/{steps}] registros de {} bytes…",
            record_size
        )
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
            Lesson::ShmRace => {
                "procesos suman en un contador en memoria compartida: se pierden sumas"
            }
            Lesson::Shm => {
                "memoria compartida: el padre aquí, `ipcdemo shm --son` en otra terminal"
            }
            Lesson::Bench => "pipes, sockets, TCP y memoria compartida: qué tan rápidos son aquí",
        }
    }

    fn lessons_intro(&self) -> &'static str {
        "ipcdemo: vea cómo viajan los bytes entre hilos y procesos. Las lecciones, en orden:"
    }

    fn lessons_outro(&self) -> &'static str {
        "Ejecute `ipcdemo <lección> --help` para ver sus opciones y `ipcdemo --help` para todo."
    }
}
