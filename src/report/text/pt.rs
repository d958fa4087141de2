//! Português do Brasil, com as palavras do caderno (Pai, Filho, recebeu, às).

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

pub struct Pt;

/// O nome de uma extremidade de pipe (feminino: "a extremidade").
fn end_name(end: PipeEnd) -> &'static str {
    match end {
        PipeEnd::Read => "extremidade de leitura",
        PipeEnd::Write => "extremidade de escrita",
        PipeEnd::ReadWrite => "extremidade de leitura e escrita",
    }
}

/// Um mecanismo depois de "em": "no pipe".
fn into(mechanism: Mechanism) -> &'static str {
    match mechanism {
        Mechanism::Pipe => "no pipe",
        Mechanism::Fifo => "no FIFO",
        Mechanism::UnixStream => "no socket Unix",
        Mechanism::UnixSeqpacket => "no socket seqpacket",
        Mechanism::Socketpair => "no socketpair",
        Mechanism::Tcp => "na conexão TCP",
        Mechanism::Signal => "no sinal",
        Mechanism::Mq => "na fila de mensagens",
        Mechanism::Shm => "na memória compartilhada",
        Mechanism::Eventfd => "no eventfd",
    }
}

/// Um mecanismo depois de "de": "do pipe".
fn from(mechanism: Mechanism) -> &'static str {
    match mechanism {
        Mechanism::Pipe => "do pipe",
        Mechanism::Fifo => "do FIFO",
        Mechanism::UnixStream => "do socket Unix",
        Mechanism::UnixSeqpacket => "do socket seqpacket",
        Mechanism::Socketpair => "do socketpair",
        Mechanism::Tcp => "da conexão TCP",
        Mechanism::Signal => "do sinal",
        Mechanism::Mq => "da fila de mensagens",
        Mechanism::Shm => "da memória compartilhada",
        Mechanism::Eventfd => "do eventfd",
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
    path.map_or_else(|| "o arquivo".to_string(), |p| p.display().to_string())
}

/// Uma letra de estado de /proc/<pid>/stat, em palavras.
fn state(letter: Option<char>) -> String {
    match letter {
        Some('R') => "R, rodando".into(),
        Some('S') => "S, dormindo".into(),
        Some('D') => "D, em espera ininterruptível".into(),
        Some('T') => "T, parado".into(),
        Some('t') => "t, rastreado".into(),
        Some('Z') => "Z, um zumbi".into(),
        Some('X') => "X, morto".into(),
        Some('I') => "I, ocioso".into(),
        Some(other) => other.to_string(),
        None => "estado desconhecido".into(),
    }
}

/// Onde um lado dorme: `anon_pipe_read (S, dormindo)`.
fn place(s: &Sleeper) -> String {
    let wchan = s
        .wchan
        .as_deref()
        .unwrap_or("um lugar que o kernel não diz");
    format!("{wchan} ({})", state(s.state))
}

/// Quão cheio está um pipe: `65536 de 65536 bytes`.
fn fill(f: &PipeFill) -> String {
    let size = f
        .size_bytes
        .map_or_else(|| "?".to_string(), |s| s.to_string());
    match f.held_bytes {
        Some(held) => format!("{held} de {size} bytes"),
        None => format!("? de {size} bytes (nossa ponta já está fechada)"),
    }
}

/// O que o pai espera.
fn father_waits(waits: Waits) -> &'static str {
    match waits {
        Waits::Reading => "uma resposta, em read(2)",
        Waits::Writing => "espaço para escrever, em write(2)",
        Waits::Elsewhere => "o fim do filho",
    }
}

impl Pt {
    /// Até onde um filho foi antes de parar de ler.
    fn son_progress(&self, sent_lines: u64, sent_bytes: u64, answered: Option<u64>) -> String {
        match answered {
            Some(_) if sent_lines == 0 => "antes de a primeira linha chegar até ele".into(),
            Some(answered) => format!(
                "depois de responder {answered} de {}",
                count(sent_lines, "linha", "linhas")
            ),
            None => format!(
                "depois de {} da entrada",
                count(sent_bytes, "byte", "bytes")
            ),
        }
    }

    fn deadlock(&self, program: &[String], stall: &Stall, written: u64) -> String {
        let cmd = command_line(program);
        let son = stall.son_sleeps.pid;
        let waited = self.duration(stall.stall);
        match stall.deadlock {
            Deadlock::Buffering => format!(
                "impasse (deadlock): em {waited} nenhum byte passou, e os dois lados dormem em \
                 read(2): o pai espera a resposta do filho {son}, o filho {son} (`{cmd}`) espera \
                 mais entrada. A resposta quase certamente está no buffer de saída dele: o stdio \
                 do C (e o Python, e o tr) guarda um stdout que não é terminal em blocos de \
                 alguns KiB, e só envia um bloco quando ele enche ou quando o programa termina \
                 (setvbuf(3)). O filho foi morto para encerrar a execução.\ncorreções: o filho \
                 esvazia o buffer a cada linha (fflush(3), sys.stdout.flush(), `python3 -u`), \
                 ou recebe buffer por linha de fora (`stdbuf -oL {cmd}`), ou roda num \
                 pseudoterminal, onde o stdio usa buffer por linha (script(1), pty(7)); ou o pai \
                 fecha o stdin do filho quando já disse tudo, e só então lê as respostas"
            ),
            Deadlock::FullPipes => format!(
                "impasse (deadlock): em {waited} nenhum byte passou, e os dois lados dormem em \
                 write(2): o pai, depois de escrever {} da entrada do filho {son}, e o filho \
                 {son} (`{cmd}`), escrevendo uma saída que o pai só vai ler quando terminar de \
                 escrever. Os dois pipes estão cheios: o do stdin guarda {}, o do stdout {} \
                 (tamanhos de F_GETPIPE_SZ; um pipe conta páginas inteiras, e uma lida em parte ainda ocupa o seu lugar), então nenhum write(2) termina até o outro lado ler, e nenhum vai \
                 ler (pipe(7)). O filho foi morto para encerrar a execução.\ncorreções: ler \
                 enquanto escreve: uma segunda thread (`ipcdemo exec --big --fix`) ou poll(2) \
                 nos dois pipes, como faz o communicate() do subprocess do Python; ou escrever a \
                 entrada num arquivo antes",
                count(written, "byte", "bytes"),
                fill(&stall.input_pipe),
                fill(&stall.output_pipe)
            ),
            Deadlock::Neither => format!(
                "nenhum byte passou em {waited} enquanto o pai esperava {}, mas o filho {son} \
                 (`{cmd}`) está em {}, fora de qualquer pipe: então não é nenhum dos dois \
                 impasses clássicos entre o pai e o próprio filho (um programa que o filho \
                 iniciou pode estar num deles), ou o filho é lento. Ele foi morto, com o seu \
                 grupo de processos, para encerrar a execução; se só precisa de tempo, dê mais \
                 com --stall (como --stall 10s)",
                father_waits(stall.father_sleeps.waits),
                place(&stall.son_sleeps)
            ),
        }
    }
}

fn queue(path: Option<&Path>) -> String {
    path.map_or_else(|| "a fila".to_string(), |p| p.display().to_string())
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
        count(size.max_messages, "mensagem", "mensagens"),
        count(size.message_size as u64, "byte", "bytes")
    )
}

impl Words for Pt {
    fn code(&self) -> &'static str {
        "pt"
    }

    fn decimal_mark(&self) -> char {
        ','
    }

    fn role(&self, role: Role) -> &'static str {
        match role {
            Role::Father => "Pai",
            Role::Son => "Filho",
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
                let mut line = format!("{who} {pid} recebeu [{data}]");
                if let Some(son) = son.map(son_name) {
                    line.push_str(&format!(" do filho {son}"));
                }
                if let Some(priority) = priority {
                    line.push_str(&format!(" com prioridade {priority}"));
                }
                if let Some(queued) = queued {
                    line.push_str(&format!(" ({queued} ainda na fila)"));
                }
                line.push_str(&format!(" às {time}"));
                match partial {
                    Some(Partial::WriterLeft) => {
                        line.push_str(" (parcial: o escritor saiu sem quebra de linha)")
                    }
                    Some(Partial::LongLine) => line.push_str(
                        " (parcial: um pedaço de uma linha mais longa; o resto vem a seguir)",
                    ),
                    None => {}
                }
                if let Some(full) = record_bytes {
                    line.push_str(&format!(
                        " (cortado: o registro tinha {full} bytes; o kernel descartou o resto)"
                    ));
                }
                line
            }
            Event::Sent {
                data,
                priority: None,
                ..
            } => format!("{who} {pid} enviou [{}] às {time}", data.escaped()),
            Event::Sent {
                data,
                priority: Some(priority),
                ..
            } => format!(
                "{who} {pid} enviou [{}] com prioridade {priority} às {time}",
                data.escaped()
            ),
            Event::Accepted { son, uid } => {
                let son = son_name(son);
                match uid {
                    Some(uid) => format!("{who} {pid} aceitou o filho {son} (uid {uid})"),
                    None => format!(
                        "{who} {pid} aceitou o filho {son} (TCP: um endereço, sem credenciais)"
                    ),
                }
            }
            Event::Left { son } => {
                let son = son_name(son);
                format!("{who} {pid} viu o filho {son} desligar às {time}")
            }
            Event::Answered { data, rtt_us } => format!(
                "{who} {pid} recebeu a resposta [{}] em {} µs",
                data.escaped(),
                self.num(rtt_us, 1)
            ),
            Event::Eof | Event::Listening { .. } | Event::Lanes { .. } | Event::Read { .. } => {
                return None;
            }
            Event::Started { son, program } => format!(
                "{who} {pid} iniciou o filho {son} (`{}`), com stdin e stdout em dois pipes, às \
                 {time}",
                command_line(program)
            ),
            Event::InputWritten { son, total } => format!(
                "{who} {pid} já escreveu {} no stdin do filho {son} às {time}",
                count(total, "byte", "bytes")
            ),
            Event::OutputRead { son, total } => format!(
                "{who} {pid} já leu {} do stdout do filho {son} às {time}",
                count(total, "byte", "bytes")
            ),
            Event::Stalled(stall) => format!(
                "{who} {pid} não viu nenhum byte passar em {}, às {time}: o pai dorme em {}, o \
                 filho {} em {}; o pipe do stdin do filho guarda {}, o do stdout {}; matando o \
                 filho {} (SIGKILL)",
                self.duration(stall.stall),
                place(&stall.father_sleeps),
                stall.son_sleeps.pid,
                place(&stall.son_sleeps),
                fill(&stall.input_pipe),
                fill(&stall.output_pipe),
                stall.son_sleeps.pid
            ),
            Event::OwnerDead => format!(
                "{who} {pid} recebeu EOWNERDEAD às {time}: o dono da trava morreu segurando-a; \
                 pthread_mutex_consistent(3) a tornou utilizável de novo, e ninguém espera para sempre"
            ),
            Event::TurnedAway { son, connected } => format!(
                "{who} {pid} recusou o filho {} às {time}: o filho {connected} está conectado, e \
                 um anel tem um só escritor",
                son_name(son)
            ),
            Event::Uncommitted { son, record } => format!(
                "{who} {pid} descartou o registro {record} do filho {} às {time}: começado mas \
                 nunca confirmado (o filho morreu ao escrevê-lo), por isso nunca mostrado rasgado",
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
                    "{who} {pid} escreveu {}; o pipe guarda {held} às {time}",
                    count(bytes as u64, "byte", "bytes")
                )
            }
            Event::Filled {
                asked,
                bytes,
                held,
                partial: true,
            } => format!(
                "{who} {pid} pediu para escrever {asked} bytes, o kernel aceitou {bytes} (escrita \
                 parcial); o pipe guarda {held} às {time}"
            ),
            Event::WouldBlock { asked, held } => format!(
                "{who} {pid} bloquearia: write(2) de {} recusado com EAGAIN; o pipe guarda {} às \
                 {time}",
                count(asked as u64, "byte", "bytes"),
                count(held, "byte", "bytes")
            ),
            Event::SignalSent {
                signal,
                target: to,
                value,
            } => match value {
                Some(v) => format!(
                    "{who} {pid} enviou {} com valor {v} para o processo {to} às {time}",
                    signal.name()
                ),
                None => format!(
                    "{who} {pid} enviou {} para o processo {to} às {time}",
                    signal.name()
                ),
            },
            Event::SignalReceived {
                signal,
                sender: from,
                value,
            } => match value {
                Some(v) => format!(
                    "{who} {pid} recebeu {} com valor {v} do processo {from} às {time}",
                    signal.name()
                ),
                None => format!(
                    "{who} {pid} recebeu {} do processo {from} às {time}",
                    signal.name()
                ),
            },
            Event::SignalRefused {
                signal,
                target: to,
                value,
            } => format!(
                "{who} {pid} não conseguiu enfileirar {} com valor {value} para o processo {to}: sigqueue(3) \
                 falhou com EAGAIN (a fila está cheia) às {time}",
                signal.name()
            ),
            Event::AlarmSet { seconds } => {
                format!("{who} {pid} chamou alarm({seconds}) e pausa até SIGALRM às {time}")
            }
            Event::AlarmRang { seconds, waited_s } => format!(
                "{who} {pid} acordou: SIGALRM chegou {} s depois de alarm({seconds}) às {time}",
                self.num(waited_s, 3)
            ),
            Event::PipeMade {
                inode,
                read_fd,
                write_fd,
                cloexec,
            } => format!(
                "{who} {pid} criou pipe:[{inode}]: o fd {read_fd} lê, o fd {write_fd} escreve ({})",
                if cloexec {
                    "pipe2 com O_CLOEXEC: os dois se fecham no execve"
                } else {
                    "pipe(2): nenhum se fecha no execve"
                }
            ),
            Event::Forked { son, exec: false } => {
                format!("{who} {pid} criou (fork) o filho {son}")
            }
            Event::Forked { son, exec: true } => format!(
                "{who} {pid} criou (fork) o filho {son}, que chamou execve(2): agora é outro \
                 programa, com os descritores que manteve"
            ),
            Event::Holds {
                holder,
                command,
                fd,
                end,
                cloexec,
                inode,
            } => format!(
                "{who} {pid}: o pid {holder} ({command}) tem o fd {fd}, a {} de pipe:[{inode}]{}",
                end_name(end),
                if cloexec { " (fecha no exec)" } else { "" }
            ),
            Event::HoldsNothing { holder, inode } => {
                format!("{who} {pid}: o pid {holder} não tem nenhum descritor de pipe:[{inode}]")
            }
            Event::Closed { fd, end } => {
                format!("{who} {pid} fechou o fd {fd}, a sua {}", end_name(end))
            }
            Event::Reaped { son, end } => format!(
                "{who} {pid} recolheu (waitpid) o filho {son}, que {}",
                self.process_end(end)
            ),
            Event::EndOfFile { inode } => {
                format!("{who} {pid} leu fim de arquivo em pipe:[{inode}] às {time}")
            }
            Event::NoEndOfFile {
                inode,
                waited_ms: 0,
            } => format!(
                "{who} {pid}: nenhum fim de arquivo em pipe:[{inode}]: ainda há uma extremidade \
                 de escrita aberta em algum lugar"
            ),
            Event::NoEndOfFile { inode, waited_ms } => format!(
                "{who} {pid}: ainda nenhum fim de arquivo em pipe:[{inode}] depois de {}",
                self.duration(std::time::Duration::from_millis(waited_ms))
            ),
            Event::Passed { fd, inode, son } => format!(
                "{who} {pid} passou o fd {fd}, a extremidade de escrita de pipe:[{inode}], ao \
                 filho {son} (SCM_RIGHTS, com as suas credenciais em SCM_CREDENTIALS)"
            ),
            Event::GotDescriptor {
                fd,
                inode,
                sender_pid,
                sender_uid,
            } => match (sender_pid, sender_uid) {
                (Some(sender), Some(uid)) => format!(
                    "{who} {pid} recebeu o fd {fd}, pipe:[{inode}] em /proc/self/fd, do pid \
                     {sender} (uid {uid}, segundo SCM_CREDENTIALS)"
                ),
                _ => format!(
                    "{who} {pid} recebeu o fd {fd}, pipe:[{inode}] em /proc/self/fd, sem \
                     credenciais"
                ),
            },
            Event::Killed {
                son,
                mechanism,
                in_write: true,
            } => format!(
                "{who} {pid} mandou SIGKILL ao filho {son} dentro do seu write(2) {}",
                into(mechanism)
            ),
            Event::Killed {
                son,
                mechanism,
                in_write: false,
            } => format!(
                "{who} {pid} mandou SIGKILL ao filho {son} enquanto ele escrevia {} (/proc não \
                 disse se estava dentro de write(2))",
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
                    format!(", e {} de uma rasgada", count(part, "byte", "bytes"))
                } else {
                    String::new()
                };
                format!(
                    "{who} {pid} ainda leu {} {}, e então fim de arquivo: {} de {}{torn}",
                    count(bytes, "byte", "bytes"),
                    from(mechanism),
                    count(whole, "mensagem inteira", "mensagens inteiras"),
                    human_bytes(message_bytes)
                )
            }
            Event::LeftBehind {
                mechanism,
                path: None,
            } => format!(
                "{who} {pid}: nada sobra {}: ele não tem nome, e o kernel o liberou com o seu \
                 último descritor",
                from(mechanism)
            ),
            Event::LeftBehind {
                mechanism,
                path: Some(path),
            } => format!(
                "{who} {pid}: o filho morto deixou {} para trás: o arquivo {} fica até alguém \
                 removê-lo",
                path.display(),
                from(mechanism)
            ),
            Event::Stale { path } => format!(
                "{who} {pid}: connect(2) a {} é recusado (ECONNREFUSED): um socket abandonado, \
                 ninguém escuta",
                path.display()
            ),
            Event::Recovered { path } => format!(
                "{who} {pid} escuta em {} de novo: como faz `ipcdemo socket`, viu que o socket \
                 estava abandonado, removeu-o e criou outro",
                path.display()
            ),
        })
    }

    fn note(&self, note: &Note<'_>) -> String {
        match *note {
            Note::EndOfFile => "fim de arquivo: todos os escritores fecharam o pipe".into(),
            Note::FatherWaitingForSon(p) => format!(
                "pai: abrindo {} para leitura; open(2) espera aqui até um filho abri-lo para \
                 escrita",
                p.display()
            ),
            Note::SonWaitingForFather(p) => format!(
                "filho: abrindo {} para escrita; open(2) espera aqui até o pai abri-lo para \
                 leitura",
                p.display()
            ),
            Note::AllSonsGone(p) => format!(
                "pai: todos os filhos saíram (fim de arquivo); esperando o próximo em {}",
                p.display()
            ),
            Note::CreatedFifo(p) => format!("criado o FIFO {} (modo 0600)", p.display()),
            Note::FolderRepaired { folder, was } => format!(
                "consertada {}: o modo era {was:04o}, que trancava até você (um umask estranho?); \
                 é 0700 de novo",
                folder.display()
            ),
            Note::FifoAlreadyThere(p) => format!(
                "pai: {} já existia (criado por um filho que espera, ou deixado por uma execução \
                 que foi morta); não é nosso, então fica depois desta execução: `rm {}` o remove",
                p.display(),
                p.display()
            ),
            Note::FifoReadableByOthers(p) => format!(
                "aviso: outros usuários podem ler {} e roubar linhas; `chmod 600 {}` impede",
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
                    "pai: escutando em {} ({kind}); rode `{flag}` em outro \
                     terminal",
                    path.display()
                )
            }
            Note::TcpListening { address } => format!(
                "pai: escutando em {address} (TCP); rode `ipcdemo socket --son --tcp {address}` \
                 em outro terminal"
            ),
            Note::OpenToNetwork { address } => format!(
                "aviso: {address} não é loopback: outros na rede podem se conectar a este pai e \
                 mandar qualquer coisa"
            ),
            Note::StaleSocketReplaced(p) => format!(
                "substituído o socket abandonado {} (ninguém escutava: quem o criou foi morto com kill -9)",
                p.display()
            ),
            Note::TooManySons(n) => format!(
                "pai: sem descritores livres (EMFILE) com {}; os novos esperam na fila até um \
                 sair",
                count(n as u64, "filho", "filhos")
            ),
            Note::PipeSizeGranted { wanted, granted } => format!(
                "F_SETPIPE_SZ: pedido de {}, o kernel deu {granted} {}",
                count(wanted as u64, "byte", "bytes"),
                if granted == wanted {
                    "(exatamente: já é uma potência de 2 de páginas)"
                } else {
                    "(arredonda para cima, para uma potência de 2 de páginas)"
                }
            ),
            Note::PipeSizeRefused(ref refused) => format!(
                "aviso: {}; seguindo com o tamanho atual",
                self.pipe_size_refused(refused)
            ),
            Note::ExportsNotWritten => {
                "as exportações não foram escritas: a execução não terminou".to_string()
            }
            Note::TraceTruncated {
                path,
                kept,
                left_out,
            } => format!(
                "o traço {} guarda as primeiras {kept} chamadas; outras {} ficaram de fora (um \
                 traço de milhões de chamadas ocuparia gigabytes)",
                path.display(),
                left_out
            ),
            Note::SonFailed { pid, error } => {
                format!(
                    "{}: filho {pid}: {}",
                    self.error_prefix(),
                    self.error(error)
                )
            }
            Note::ShmListening {
                path,
                given_path,
                wake,
                pid,
            } => format!(
                "pai: escutando em {}; rode `{}` em outro terminal: cada filho recebe um anel em \
                 memória compartilhada (um memfd chamado ipcdemo-ring: enquanto um filho está \
                 conectado, `ls -l /proc/{pid}/fd` o mostra), acordado por {}",
                path.display(),
                shm_son_command(path, given_path),
                match wake {
                    Wake::Spin => "espera ativa (uma CPU inteira enquanto espera)",
                    Wake::Futex => "um futex",
                    Wake::Eventfd => "um eventfd",
                }
            ),
            Note::RingBroken { son, record, len } => format!(
                "pai: o filho {son} quebrou o protocolo do anel no registro {record} ({}); a \
                 conexão com ele foi encerrada",
                match len {
                    Some(len) => format!("um comprimento de {len} bytes não cabe"),
                    None => "uma posição impossível".into(),
                }
            ),
            Note::OneCpu(cpus) => format!(
                "este processo pode usar {}: os filhos se revezam nela, e um raramente é \
                 interrompido entre sua leitura e sua escrita, então pouco ou nada se perde; com \
                 duas CPUs ou mais os filhos rodam de fato ao mesmo tempo (`taskset` mostra a \
                 diferença)",
                count(cpus as u64, "CPU", "CPUs")
            ),
            Note::RaceSonKilled {
                pid,
                signal,
                on_purpose: true,
            } => format!(
                "o filho {pid} morreu por {signal} segurando a trava, como --die-holding-lock \
                 pediu; as somas que fez até ali estão contadas"
            ),
            Note::RaceSonKilled {
                pid,
                signal,
                on_purpose: false,
            } => format!(
                "o filho {pid} foi morto por {signal} antes de terminar; as somas que contou \
                 estão no total"
            ),
            Note::BenchChildFailed(error) => format!(
                "{}: o processo filho da medição: {}",
                self.error_prefix(),
                self.error(error)
            ),
            Note::QueueCreated {
                name,
                attributes: a,
                limits: l,
            } => format!(
                "pai: criada a fila {name} (modo 0600); mq_getattr(3) diz mq_maxmsg {}, \
                 mq_msgsize {}, mq_curmsgs {}\nlimites: sem CAP_SYS_RESOURCE uma fila guarda no \
                 máximo msg_max {} mensagens de no máximo msgsize_max {} bytes, e o sistema no \
                 máximo queues_max {} filas (/proc/sys/fs/mqueue); RLIMIT_MSGQUEUE (`ulimit -q`) \
                 permite {} para todas as suas filas juntas, também as do root",
                a.max_messages,
                count(a.message_size as u64, "byte", "bytes"),
                a.queued,
                limit(l.msg_max),
                limit(l.msgsize_max),
                limit(l.queues_max),
                rlimit(&l)
            ),
            Note::StaleQueueReplaced { name, lock, left } => format!(
                "pai: substituída a fila abandonada {name}: ninguém segurava a trava {}, então o pai \
                 que a criou morreu sem removê-la (morto com kill -9?); {}",
                lock.display(),
                match left {
                    0 => "estava vazia".to_string(),
                    1 => "a mensagem que ela guardava se foi com ela".to_string(),
                    n => format!("as {n} mensagens que ela guardava se foram com ela"),
                }
            ),
            Note::ReadingAfter {
                name,
                after,
                max_messages,
            } => format!(
                "pai: esperando {} antes do primeiro mq_receive(3): enquanto isso as mensagens se \
                 acumulam em {name} (no máximo {max_messages}; depois mq_send(3) bloqueia), cada \
                 uma depois das de mesma prioridade e antes de todas as de prioridade menor",
                self.duration(after)
            ),
            Note::FatherReceiving { name, given_name } => format!(
                "pai: pronto em {name}: rode `{}` em outro terminal; mq_receive(3) dorme enquanto \
                 a fila está vazia",
                mq_command(name, given_name, true)
            ),
            Note::SonSendingTo { name, attributes } => format!(
                "filho: enviando para {name}: mq_maxmsg {}, mq_msgsize {}, {} esperando agora",
                attributes.max_messages,
                count(attributes.message_size as u64, "byte", "bytes"),
                attributes.queued
            ),
            Note::NoFatherHoldsQueue { name, lock } => format!(
                "aviso: nenhum pai segura a trava {}: {name} foi deixada por um pai que morreu; as \
                 mensagens esperam nela por um receptor, e o próximo `ipcdemo mq` substitui a \
                 fila, perdendo-as",
                lock.display()
            ),
            Note::QueueFullWaiting { name, max_messages } => format!(
                "filho: {name} está cheia ({} mensagens, mq_maxmsg): mq_send(3) dormiria aqui até \
                 o pai receber uma; este filho espera por espaço em poll(2), pois no Linux o \
                 descritor de uma fila é um descritor de arquivo (--no-wait falha com EAGAIN em \
                 vez disso)",
                max_messages
            ),
            Note::SignalHeld { signal, count: n } => format!(
                "pai: {} fica bloqueado e pendente enquanto o filho envia {n}; o pai não pega nada \
                 até o filho sair",
                signal.name()
            ),
            Note::SignalSonDone { son } => format!(
                "pai: o filho {son} saiu (SIGCHLD); pegando agora o que está pendente, como o \
                 desbloqueio entregaria"
            ),
            Note::QueueLimitSet { limit, uid } => format!(
                "pai: RLIMIT_SIGPENDING agora é {limit}: no máximo {limit} sinais podem ficar \
                 pendentes para o uid {uid}, contando todos os processos desse usuário, não só \
                 este"
            ),
            Note::BacklogCapped { limit, uid } => format!(
                "pai: RLIMIT_SIGPENDING reduzido a {limit}, para que um filho mais rápido que o \
                 pai não encha a fila que todos os processos do uid {uid} dividem; quando ela \
                 enche, o filho espera espaço"
            ),
            Note::SignalFatherWaiting {
                pid,
                signal,
                realtime,
            } => format!(
                "pai {pid}: esperando {}; rode `{}` (ou `{}`) em outro terminal",
                signal.name(),
                signal_son_command(pid, realtime),
                signal_kill_command(pid, signal)
            ),
            Note::SenderListening { path, given_path } => format!(
                "remetente: escutando em {}; rode `{}` em outro terminal",
                path.display(),
                receive_command(path, given_path)
            ),
            Note::ProcessesHidden(n) => format!(
                "nota: /proc não mostra os descritores de {} (de outros usuários); um detentor \
                 pode se esconder lá",
                count(n as u64, "processo", "processos")
            ),
            Note::Stalling(stall) => format!(
                "pai: o filho saiu, mas read(2) não devolve 0, porque ainda há uma extremidade \
                 de escrita aberta; esperando {} antes de fechar a cópia esquecida",
                self.duration(stall)
            ),
            Note::ScratchFolder(p) => format!(
                "trabalhando em {}; ela é removida no fim, aconteça o que acontecer",
                p.display()
            ),
        }
    }

    fn error(&self, error: &Error) -> String {
        match error {
            Error::Stopped(signal) => format!("interrompido por {signal}"),
            Error::StdoutClosed => "a saída padrão foi fechada".into(),
            Error::Call {
                doing,
                path,
                errno: e,
            } => format!("{}: {}", self.doing(*doing, path.as_deref()), errno(*e)),
            Error::Refused { path, refusal } => self.refusal(path, *refusal),
            Error::NoFatherReading(p) => format!(
                "nenhum pai está lendo {} (ENXIO); rode `ipcdemo named` em outro terminal \
                 primeiro, ou tire --no-wait para esperar",
                p.display()
            ),
            Error::FatherWentAway { path, sent } => format!(
                "o pai foi embora depois de {}: ninguém mais lê {} (EPIPE)",
                count(*sent, "linha", "linhas"),
                path.display()
            ),
            Error::FatherReset { path, sent } => format!(
                "o pai foi embora depois de {}: {} reiniciou a conexão (ECONNRESET)",
                count(*sent, "mensagem", "mensagens"),
                path.display()
            ),
            Error::NoAnswer { path, waited } => format!(
                "nenhuma resposta do pai em {} dentro de {}: ele está rodando com --ack? (ou dê \
                 mais tempo com --ack-timeout)",
                path.display(),
                self.duration(*waited)
            ),
            Error::FatherHungUp { path, sent } => format!(
                "o pai desligou antes de responder em {} (fim de arquivo), depois de {}",
                path.display(),
                count(*sent, "mensagem", "mensagens")
            ),
            Error::AnotherFatherReading { path, pid } => format!(
                "outro pai{} já está lendo {}: dois pais receberiam cada um parte das linhas de \
                 cada filho; pare-o ou passe outro --path",
                pid.map_or_else(String::new, |pid| format!(" (pid {pid})")),
                path.display()
            ),
            Error::AnotherFatherListening(p) => format!(
                "outro pai já está escutando em {}; pare-o ou use outro --path",
                p.display()
            ),
            Error::AddressInUse(a) => format!(
                "{a} está em uso (EADDRINUSE): outro programa escuta lá; pare-o ou escolha outra \
                 porta (--tcp 0 escolhe uma livre)"
            ),
            Error::ConnectionRefused(a) => format!(
                "ninguém escuta em {a} (conexão recusada): rode `ipcdemo socket --tcp PORTA` \
                 primeiro e dê ao filho a porta que ele mostrar"
            ),
            Error::Unreachable(a) => {
                format!("{a} não é alcançável daqui (sem rota): confira o endereço")
            }
            Error::BadAddress(a) => format!(
                "{a} não é um endereço que esta máquina possa usar (host desconhecido, ou não é \
                 um endereço seu para escutar); tente 127.0.0.1:PORTA"
            ),
            Error::SonNeedsPort => "um filho precisa da porta do pai: porta 0 só quer dizer \
                                    \"qualquer porta livre\" para um pai, que mostra a que \
                                    recebeu"
                .into(),
            Error::NoFatherAtPath(p) => format!(
                "nenhum pai escutando em {} (não há nada lá): um socket não espera como um FIFO; \
                 rode `ipcdemo socket` primeiro",
                p.display()
            ),
            Error::StaleSocket(p) => format!(
                "nenhum pai escutando em {} (conexão recusada): o arquivo sobrou de um pai que \
                 morreu; rode `ipcdemo socket` primeiro",
                p.display()
            ),
            Error::SocketTypeMismatch(p) => format!(
                "o pai em {} usa outro tipo de socket; passe --seqpacket nos dois lados ou em \
                 nenhum",
                p.display()
            ),
            Error::SocketPathTooLong(p) => format!(
                "{} é longo demais para um endereço de socket Unix (no máximo 107 bytes, unix(7), \
                 e o pai precisa de espaço para um nome privado ao lado); passe um --path mais \
                 curto",
                p.display()
            ),
            Error::SonThreadPanicked => "a thread filho entrou em pânico".into(),
            Error::SonProcess(end) => format!("o processo filho {}", self.process_end(*end)),
            Error::BytesLost { record_size, lost } => format!(
                "perda de {} em registros de {}: isso é um defeito, não uma lição",
                count(*lost, "byte", "bytes"),
                count(*record_size as u64, "byte", "bytes")
            ),
            Error::CorruptRecords { byte } => format!(
                "o byte {byte:#04x} não é o próximo byte de nenhum escritor: o fluxo está \
                 corrompido"
            ),
            Error::NoMemory { bytes } => format!(
                "não foi possível obter {} de memória para os buffers: escolha tamanhos menores, ou permita mais memória (ulimit -v)",
                human_bytes(*bytes as u64)
            ),
            Error::PipeBufBroken { pipe_buf } => format!(
                "um registro de no máximo PIPE_BUF ({pipe_buf}) bytes se rasgou: este kernel \
                 quebrou a promessa de pipe(7)"
            ),
            Error::Bench {
                mechanism,
                measure,
                size,
                error,
            } => format!(
                "medindo a {} de {}{}: {}",
                self.measure(*measure),
                mechanism.name(),
                size.map_or_else(String::new, |s| format!(" com {}", human_bytes(s as u64))),
                self.error(error)
            ),
            Error::BenchChild(end) => {
                format!("o processo filho da medição {}", self.process_end(*end))
            }
            Error::RoundMismatch { round, got } => {
                format!("a ida e volta {round} voltou com o número {got}")
            }
            Error::CorruptStream { after } => format!(
                "dados corrompidos depois de {}: não é o que o escritor enviou",
                count(*after, "byte", "bytes")
            ),
            Error::BytesMissing { received, total } => {
                format!("bytes se perderam: chegaram {received} de {total}")
            }
            Error::OtherSideLeft => "o outro lado saiu no meio de uma execução".into(),
            Error::PinNeedsTwoCpus { cpus, pin } => format!(
                "--pin {} precisa de duas CPUs e este processo pode usar {}; use --pin same ou \
                 none",
                pin.name(),
                count(*cpus as u64, "CPU", "CPUs")
            ),
            Error::ShmBusy { path, son } => format!(
                "um filho (pid {son}) já está conectado ao pai em {}: um anel tem um só \
                 escritor, então um filho por vez; tente de novo quando ele terminar",
                path.display()
            ),
            Error::NotARing(p) => format!(
                "o processo que escuta em {} entregou algo que não é um anel do ipcdemo (um \
                 memfd selado com o cabeçalho do anel); recusando mapeá-lo",
                p.display()
            ),
            Error::NoHandOver { path, waited } => format!(
                "nada veio do processo que escuta em {} em {}: é o `ipcdemo shm`? (um pai \
                 `ipcdemo socket` escuta em outro arquivo)",
                path.display(),
                self.duration(*waited)
            ),
            Error::FatherLeftRing { path, sent } => format!(
                "o pai em {} foi embora depois de {} (o socket dele desligou); os registros que \
                 ele ainda não tinha lido se perdem com o anel",
                path.display(),
                count(*sent, "registro", "registros")
            ),
            Error::NoShmFather { path, stale: false } => format!(
                "nenhum pai escuta em {} (não há nada lá); inicie `ipcdemo shm` primeiro",
                path.display()
            ),
            Error::NoShmFather { path, stale: true } => format!(
                "nenhum pai escuta em {} (conexão recusada): o arquivo foi deixado por um pai \
                 que morreu; inicie `ipcdemo shm` primeiro",
                path.display()
            ),
            Error::RingBrokenByFather(p) => format!(
                "o anel entregue em {} quebrou: o pai escreveu uma posição impossível",
                p.display()
            ),
            Error::AddsLost { sync, lost } => format!(
                "{lost} somas se perderam com --sync {}: isso é um defeito, não uma lição",
                sync.name()
            ),
            Error::NoSuchMeasure { mechanism, measure } => format!(
                "{} não tem medida de {} (um eventfd carrega uma contagem, não bytes): tire \
                 --throughput-only ou escolha outro mecanismo",
                mechanism.name(),
                self.measure(*measure)
            ),
            Error::NeedsLinux(LinuxOnly::SharedMemory) => "a memória compartilhada aqui precisa \
                                                           do Linux (memfd_create, futex, \
                                                           eventfd, mutexes robustos)"
                .into(),
            Error::NeedsLinux(LinuxOnly::ZeroCopy) => {
                "--zero-copy precisa de Linux (vmsplice e splice)".into()
            }
            Error::NeedsLinux(LinuxOnly::Pin) => {
                "--pin precisa de Linux (sched_setaffinity)".into()
            }
            Error::ProgramNotStarted { program, errno: e } => {
                let name = program.first().map_or("", String::as_str);
                let why = match e {
                    Errno::ENOENT => {
                        ": nenhum programa com esse nome no PATH; confira o nome, \
                                     ou dê o caminho dele"
                    }
                    Errno::EACCES => {
                        ": o arquivo não é executável (ou uma pasta do caminho \
                                     não pode ser percorrida)"
                    }
                    _ => "",
                };
                format!("não foi possível executar `{name}`: {}{why}", errno(*e))
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
                "write(2) falhou com EPIPE: o filho {son} (`{}`) não lê mais o stdin (terminou) \
                 {}. Um pipe sem leitor recusa toda escrita (pipe(7)); antes o kernel envia \
                 SIGPIPE, que mataria em silêncio um pai que não o ignorasse (todo programa Rust \
                 o ignora, então o ipcdemo recebe o erro: signal(7))",
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
                "o filho {son} (`{}`) fechou o stdout (terminou) {}: read(2) devolveu 0, fim de \
                 arquivo",
                command_line(program),
                self.son_progress(*sent_lines, *sent_bytes, *answered)
            ),
            Error::NeedsLinux(LinuxOnly::MessageQueues) => {
                "filas de mensagens POSIX precisam de Linux aqui (o macOS não as tem)".into()
            }
            Error::NoQueue { name, given_name } => format!(
                "não existe a fila {name} (ENOENT): só um pai a cria; inicie `{}` antes",
                mq_command(name, *given_name, false)
            ),
            Error::QueueOwner { name, owner, me } => format!(
                "recusado usar a fila {name}: ela pertence ao uid {owner}, não a você (uid {me}); \
                 ficou intocada; passe outro --name"
            ),
            Error::QueueForbidden(name) => format!(
                "recusado usar a fila {name}: ela existe e você não pode abri-la (EACCES), então \
                 é de outro usuário; ficou intocada; passe outro --name"
            ),
            Error::AnotherFatherReceiving { name, pid } => format!(
                "outro pai{} já está recebendo em {name}: dois pais levariam cada um parte das \
                 mensagens; pare-o ou passe outro --name",
                pid.map_or_else(String::new, |pid| format!(" (pid {pid})"))
            ),
            Error::QueueFull {
                name,
                max_messages,
                sent,
            } => format!(
                "{name} está cheia ({max_messages} mensagens, mq_maxmsg) depois de {} deste filho: \
                 com --no-wait, mq_send(3) falha com EAGAIN em vez de dormir até o pai receber \
                 uma; tire o --no-wait para esperar por espaço",
                count(*sent, "mensagem", "mensagens")
            ),
            Error::MessageTooLong {
                name,
                bytes,
                message_size,
            } => format!(
                "uma mensagem de {} não cabe em {name}, cujas mensagens têm no máximo {} \
                 (mq_msgsize, fixado quando o pai a criou): mq_send(3) a recusou inteira com \
                 EMSGSIZE; inicie o pai com um --message-size maior",
                count(*bytes as u64, "byte", "bytes"),
                count(*message_size as u64, "byte", "bytes")
            ),
            Error::QueueRefused {
                name,
                errno: e,
                asked: size,
                limits: l,
            } => {
                let head = format!("o kernel se recusou a criar {name} com {}", asked(*size));
                match e {
                    Errno::EINVAL => format!(
                        "{head} (EINVAL): sem CAP_SYS_RESOURCE uma fila pode guardar no máximo \
                         msg_max {} mensagens de no máximo msgsize_max {} bytes \
                         (/proc/sys/fs/mqueue); peça menos com --max-messages e \
                         --message-size (com CAP_SYS_RESOURCE, até 65536 mensagens de 16 MiB)",
                        limit(l.msg_max),
                        limit(l.msgsize_max)
                    ),
                    Errno::EMFILE => format!(
                        "{head} (EMFILE): mq_maxmsg × mq_msgsize, mais a contabilidade do kernel, \
                         passaria do seu RLIMIT_MSGQUEUE ({}, `ulimit -q`), que soma todas as \
                         suas filas e vale também para o root (ou acabaram os descritores de \
                         arquivo); peça menos",
                        rlimit(l)
                    ),
                    Errno::ENOSPC => format!(
                        "{head} (ENOSPC): o sistema já tem queues_max ({}) filas \
                         (/proc/sys/fs/mqueue/queues_max); remova algumas (`ls /dev/mqueue` \
                         as lista onde o sistema de arquivos mqueue está montado)",
                        limit(l.queues_max)
                    ),
                    other => format!("{head}: {}", errno(*other)),
                }
            }
            Error::QueueRemoved { name, sent } => format!(
                "a fila {name} foi removida (o pai dela terminou) depois de {} deste filho: o filho \
                 ainda segura a fila antiga, que ninguém mais consegue abrir; inicie um pai, \
                 depois um filho",
                count(*sent, "mensagem", "mensagens")
            ),
            Error::NotAStream(mechanism) => format!(
                "{} não move bytes: não há fluxo para medir",
                mechanism.name()
            ),
            Error::NoSuchProcess(pid) => format!(
                "não existe o processo {pid}; rode `ipcdemo signal --father` em outro terminal e \
                 passe o pid que ele mostra"
            ),
            Error::ThreadNotProcess { tid, process } => format!(
                "{tid} é uma thread do processo {process}, não um processo; passe --son {process} \
                 caso ele seja o pai"
            ),
            Error::NotASignalFather { pid, cmdline } if cmdline.is_empty() => format!(
                "recusado sinalizar o processo {pid}: ele não tem linha de comando (uma thread do \
                 kernel, ou um processo que já saiu), então não é um pai `ipcdemo signal`"
            ),
            Error::NotASignalFather { pid, cmdline } => format!(
                "recusado sinalizar o processo {pid}: ele não é um pai `ipcdemo signal` (sua \
                 linha de comando é `{cmdline}`), e um sinal que ele não espera poderia matá-lo"
            ),
            Error::WouldKill {
                pid,
                signal,
                ignored: false,
            } => format!(
                "recusado sinalizar o processo {pid}: ele nem bloqueia nem trata {}, cuja ação \
                 padrão o mataria; rode o pai com o mesmo --realtime do filho",
                signal.name()
            ),
            Error::WouldKill {
                pid,
                signal,
                ignored: true,
            } => format!(
                "recusado sinalizar o processo {pid}: ele ignora {}, então nada chegaria; rode o \
                 pai com o mesmo --realtime do filho",
                signal.name()
            ),
            Error::SignalNotPermitted { pid, signal } => format!(
                "o kernel não deixa você enviar {} ao processo {pid} (EPERM): ele pertence a \
                 outro usuário",
                signal.name()
            ),
            Error::FatherGone { pid, sent } => format!(
                "o pai {pid} foi embora depois de {} (ESRCH)",
                count(*sent, "sinal", "sinais")
            ),
            Error::QueueLimitTooHigh { asked, hard } => format!(
                "--queue-limit {asked} passa do seu limite rígido de RLIMIT_SIGPENDING ({hard}), \
                 que só um usuário privilegiado pode aumentar; peça no máximo {hard}"
            ),
            Error::NoSender { path, stale: false } => format!(
                "ninguém está enviando em {} (não há nada lá): rode `ipcdemo fds --send` primeiro",
                path.display()
            ),
            Error::NoSender { path, stale: true } => format!(
                "ninguém está enviando em {} (conexão recusada): o arquivo sobrou de um \
                 remetente que morreu; rode `ipcdemo fds --send`, que o substitui",
                path.display()
            ),
            Error::NoDescriptor { path, count: 0 } => {
                format!(
                    "o remetente em {} não passou nenhum descritor",
                    path.display()
                )
            }
            Error::NoDescriptor { path, count } => format!(
                "o remetente em {} passou {count} descritores, não um; todos foram fechados sem \
                 uso",
                path.display()
            ),
            Error::NotAPipeWriteEnd { path } => format!(
                "o que o remetente em {} passou não é a extremidade de escrita de um pipe; foi \
                 fechado sem uso",
                path.display()
            ),
        }
    }

    fn doing(&self, doing: Doing, path: Option<&Path>) -> String {
        let p = show(path);
        match doing {
            Doing::CreatingFolder => format!("criando a pasta {p}"),
            Doing::Examining => format!("examinando {p}"),
            Doing::CreatingFifo => format!("criando o FIFO {p}"),
            Doing::Opening => format!("abrindo {p}"),
            Doing::SettingMode => format!("pondo o modo 0600 em {p}"),
            Doing::Reading => format!("lendo {p}"),
            Doing::Reopening => format!("reabrindo {p} para esperar o próximo filho"),
            Doing::MakingBlocking => format!("tornando {p} bloqueante"),
            Doing::MakingNonblocking => "tornando um descritor não bloqueante".into(),
            Doing::WritingTo => format!("escrevendo em {p}"),
            Doing::RemovingStaleSocket => format!("removendo o socket abandonado {p}"),
            Doing::CheckingInUse => format!("verificando se {p} está em uso"),
            Doing::Binding => match path {
                Some(_) => format!("associando (bind) {p}"),
                None => "associando (bind) um socket".into(),
            },
            Doing::ListeningOn => format!("escutando em {p}"),
            Doing::Publishing => format!("publicando {p}"),
            Doing::ConnectingTo => match path {
                Some(_) => format!("conectando a {p}"),
                None => "conectando".into(),
            },
            Doing::CreatingPipe => "criando o pipe".into(),
            Doing::CreatingSocket => "criando um socket".into(),
            Doing::ForkingSon => "criando (fork) o processo filho".into(),
            Doing::StartingThread => "iniciando uma thread".into(),
            Doing::ReadingPipe => "lendo do pipe".into(),
            Doing::WritingPipe => "escrevendo no pipe".into(),
            Doing::WaitingForSon => "esperando o processo filho".into(),
            Doing::WaitingForSons => "esperando os filhos (poll)".into(),
            Doing::AcceptingSon => "aceitando um filho".into(),
            Doing::ReadingFromSon => "lendo de um filho".into(),
            Doing::AskingPeer => {
                "perguntando ao kernel quem está do outro lado (SO_PEERCRED)".into()
            }
            Doing::SettingParentDeathSignal => "configurando PR_SET_PDEATHSIG".into(),
            Doing::InstallingSignals => "preparando o tratamento de sinais".into(),
            Doing::WritingStdout => "escrevendo na saída padrão".into(),
            Doing::WritingRecords => "escrevendo um registro".into(),
            Doing::ReadingRecords => "lendo registros".into(),
            Doing::CreatingScratch => format!("criando a pasta temporária {p}"),
            Doing::Accepting => "aceitando uma conexão".into(),
            Doing::SettingNoDelay => "configurando TCP_NODELAY".into(),
            Doing::Pinning => "fixando em uma CPU".into(),
            Doing::ReadingAffinity => "lendo a afinidade de CPU".into(),
            Doing::ForkingBenchChild => "criando (fork) o processo filho da medição".into(),
            Doing::WaitingForBenchChild => "esperando o processo filho da medição".into(),
            Doing::Streaming => "enviando o fluxo".into(),
            Doing::Draining => "lendo o fluxo".into(),
            Doing::PingPong => "trocando idas e voltas".into(),
            Doing::OpeningDevNull => "abrindo /dev/null".into(),
            Doing::SharingMemory => "compartilhando memória com o filho (mmap)".into(),
            Doing::WritingTrace => format!("escrevendo o traço {p}"),
            Doing::WritingExport => format!("escrevendo a exportação {p}"),
            Doing::Locking => format!("travando {p}"),
            Doing::BlockingSignals => "bloqueando os sinais da lição".into(),
            Doing::SettingQueueLimit => "configurando RLIMIT_SIGPENDING".into(),
            Doing::ReadingProcess => format!("lendo {p}"),
            Doing::SendingSignal => "enviando um sinal".into(),
            Doing::WaitingForSignal => "esperando um sinal (sigtimedwait)".into(),
            Doing::OpeningPidfd => "abrindo um pidfd para o pai".into(),
            Doing::OpeningQueue => format!("abrindo a fila {}", queue(path)),
            Doing::CreatingQueue => format!("criando a fila {}", queue(path)),
            Doing::RemovingQueue => format!("removendo a fila {}", queue(path)),
            Doing::ReadingQueueAttributes => {
                format!("lendo os atributos de {} (mq_getattr)", queue(path))
            }
            Doing::SendingToQueue => format!("enviando para {}", queue(path)),
            Doing::ReceivingFromQueue => format!("recebendo de {}", queue(path)),
            Doing::WaitingForRoom => format!("esperando espaço em {} (poll)", queue(path)),
            Doing::ScanningProc => format!("percorrendo {}", show_or(path, "/proc")),
            Doing::PassingDescriptor => "passando o descritor (sendmsg, SCM_RIGHTS)".into(),
            Doing::ReceivingDescriptor => match path {
                Some(_) => format!("recebendo um descritor em {p} (recvmsg)"),
                None => "recebendo um descritor (recvmsg)".into(),
            },
            Doing::SettingPassCred => "pedindo credenciais (SO_PASSCRED)".into(),
            Doing::Executing => format!("executando {} (execve)", show_or(path, "o programa")),
            Doing::KillingSon => "matando o filho (SIGKILL)".into(),
            Doing::CreatingMemfd => "criando um memfd (memfd_create)".into(),
            Doing::Sealing => "selando o memfd contra encolhimento (F_ADD_SEALS)".into(),
            Doing::Mapping => "mapeando a memória compartilhada (mmap)".into(),
            Doing::CreatingEventfd => "criando um eventfd".into(),
            Doing::PassingDescriptors => "entregando descritores (SCM_RIGHTS)".into(),
            Doing::ReceivingDescriptors => "recebendo o anel (SCM_RIGHTS)".into(),
            Doing::InitialisingMutex => "preparando o mutex compartilhado entre processos".into(),
            Doing::LockingMutex => "travando o mutex compartilhado".into(),
            Doing::WaitingInRing => "esperando no anel".into(),
        }
    }

    fn refusal(&self, path: &Path, refusal: Refusal) -> String {
        let p = path.display();
        let why = match refusal {
            Refusal::WrongKind { found, wanted } => format!(
                "é {}, não um {}; nada foi mexido; remova-o você mesmo ou passe outro --path",
                self.file_kind(found),
                self.object(wanted)
            ),
            Refusal::FolderIsNot(found) => format!(
                "é {}, não uma pasta; remova-o ou passe --path",
                self.file_kind(found)
            ),
            Refusal::FolderOwner { owner, me } => format!(
                "pertence ao uid {owner}, não a você (uid {me}); outra pessoa pode tê-la criado \
                 para espiar ou alimentar sua demo; remova-a ou passe --path"
            ),
            Refusal::FolderMode(mode) => format!(
                "o modo é {mode:04o}, então outros usuários alcançam o que há nela; rode `chmod \
                 700 {p}` ou passe --path"
            ),
            Refusal::Owner { what, owner, me } => format!(
                "o {} pertence ao uid {owner}, não a você (uid {me}); passe outro --path",
                self.object(what)
            ),
            Refusal::Writable(mode) => format!(
                "o modo é {mode:04o}, então outros usuários poderiam escrever nele; rode `chmod \
                 go-w {p}` (ou `chmod 600`) antes"
            ),
            Refusal::Replaced => "foi trocado por outro arquivo durante o uso; parando".into(),
            Refusal::ListenerOwner { owner, me } => {
                format!("o processo escutando lá é do uid {owner}, não seu (uid {me})")
            }
        };
        format!("recusado usar {p}: {why}")
    }

    fn file_kind(&self, kind: FileKind) -> &'static str {
        match kind {
            FileKind::Fifo => "um FIFO",
            FileKind::Socket => "um socket",
            FileKind::Symlink => "um link simbólico",
            FileKind::Regular => "um arquivo comum",
            FileKind::Directory => "uma pasta",
            FileKind::CharDevice => "um dispositivo de caracteres",
            FileKind::BlockDevice => "um dispositivo de blocos",
            FileKind::Unknown => "um tipo desconhecido de arquivo",
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
            ProcessEnd::Exited(code) => format!("saiu com status {code}"),
            ProcessEnd::Signaled(signal) => format!("foi morto por {signal}"),
            ProcessEnd::Other => "terminou de forma anormal".into(),
        }
    }

    fn pipe_size_refused(&self, refused: &PipeSizeError) -> String {
        let asked = human_bytes(refused.asked as u64);
        match refused.errno {
            Some(Errno::EPERM) => format!(
                "o kernel recusou um pipe de {asked} (EPERM): sem privilégio, um pipe não pode \
                 passar de /proc/sys/fs/pipe-max-size ({}) nem do seu limite pipe-user-pages; \
                 peça menos",
                refused
                    .max
                    .map_or_else(|| "desconhecido".into(), |m| human_bytes(m as u64))
            ),
            Some(Errno::EBUSY) => format!(
                "o kernel recusou um pipe de {asked} (EBUSY): o pipe já guarda mais do que isso"
            ),
            Some(Errno::EINVAL) => format!(
                "o kernel recusou um pipe de {asked} (EINVAL): grande demais para este kernel"
            ),
            Some(other) => format!("o kernel recusou um pipe de {asked} ({})", errno(other)),
            None => "este sistema não redimensiona pipes (F_SETPIPE_SZ só existe no Linux)".into(),
        }
    }

    fn error_prefix(&self) -> &'static str {
        "erro"
    }

    fn reads_summary(&self, c: &ReadCounts) -> String {
        let mut line = format!(
            "resumo: {}, {} em {}: {} com exatamente uma mensagem, {} com várias coladas, {} \
             com um pedaço de uma",
            count(c.messages, "mensagem", "mensagens"),
            count(c.bytes, "byte", "bytes"),
            count(c.reads, "leitura", "leituras"),
            c.reads_one_message,
            c.reads_several_messages,
            c.reads_part_message
        );
        if c.bytes_discarded > 0 {
            let n = count(c.bytes_discarded, "byte", "bytes");
            line.push_str(&format!(
                "; {n} além do tamanho de leitura foram descartados (MSG_TRUNC)"
            ));
        }
        line
    }

    fn sent_summary(&self, pid: i32, messages: u64, bytes: u64) -> String {
        format!(
            "filho {pid}: enviou {}, {}",
            count(messages, "mensagem", "mensagens"),
            count(bytes, "byte", "bytes")
        )
    }

    fn queue_summary(&self, r: &QueueReport) -> String {
        let left = match r.left_in_queue {
            0 => "estava vazia quando foi removida".to_string(),
            1 => "1 mensagem ainda nela se foi com ela quando foi removida".to_string(),
            n => format!("{n} mensagens ainda nela se foram com ela quando foi removida"),
        };
        format!(
            "resumo: {}, {} em {}: cada mq_receive(3) devolveu exatamente uma mensagem \
             inteira, {} com prioridade acima de 0; {} guardava no máximo {} de no máximo {} \
             (mq_maxmsg, mq_msgsize); {left}",
            count(r.messages, "mensagem", "mensagens"),
            count(r.bytes, "byte", "bytes"),
            count(r.receives, "recebimento", "recebimentos"),
            r.priority_messages,
            r.name,
            count(r.max_messages, "mensagem", "mensagens"),
            count(r.message_size_bytes as u64, "byte", "bytes"),
        )
    }

    fn signals_summary(&self, pid: i32, r: &SignalReport) -> String {
        let signal = r.signal.name();
        let received = r.received.unwrap_or(0);
        let sent = r.sent.unwrap_or(0);
        let order = match (r.realtime, r.out_of_order) {
            (false, _) => String::new(),
            (true, 0) => ", todos os valores em ordem".to_string(),
            (true, n) => format!(", {n} fora de ordem"),
        };
        let lost = match r.merged {
            Some(n) if r.realtime && n > 0 => format!("; {n} nunca chegaram"),
            _ => String::new(),
        };
        let refused = match (r.refused, r.role) {
            (0, _) => String::new(),
            (n, Role::Father) => {
                format!(", e {n} foram recusados (EAGAIN: a fila estava cheia)")
            }
            (n, Role::Son) => format!("; {n} recusados (EAGAIN: a fila estava cheia)"),
        };
        let mut line = match (r.role, r.sent) {
            (Role::Son, _) => {
                let to = r
                    .target
                    .map_or_else(|| "?".to_string(), |to| to.to_string());
                format!("filho {pid}: {sent} {signal} enviados para o processo {to}{refused}")
            }
            (Role::Father, Some(_)) if !r.realtime => {
                let merged = r.merged.unwrap_or(0);
                format!(
                    "resumo: o filho enviou {sent} {signal}; o pai recebeu {received}: {merged} \
                     fundidos a um já pendente"
                )
            }
            (Role::Father, Some(_)) => format!(
                "resumo: o filho enfileirou {sent} {signal}{refused}; o pai recebeu \
                 {received}{order}{lost}"
            ),
            (Role::Father, None) => format!(
                "resumo: o pai recebeu {received} {signal}{order}; quantos foram enviados, só \
                 quem enviou sabe"
            ),
        };
        if let (Some(limit), Some(after)) = (r.queue_limit, r.queue_full_after)
            && after < limit
        {
            line += &format!(
                "; o limite de {limit} foi atingido depois de {after} (outros processos do seu \
                 usuário ocupavam {} dele)",
                limit - after
            );
        }
        if r.waits > 0 {
            line += &format!(
                "; a fila encheu {} e o filho esperou espaço",
                count(r.waits, "vez", "vezes")
            );
        }
        line
    }

    fn ping_pong_summary(&self, r: &PingPongReport) -> String {
        match (r.rtt_median_us, r.rtt_p99_us, r.round_trips_per_second) {
            (Some(median), Some(p99), Some(per_second)) => format!(
                "resumo: {} de {} entre pai e filho: mediana {} µs, p99 {} µs, {} idas e \
                 voltas/s",
                count(r.rounds, "ida e volta", "idas e voltas"),
                r.signal.name(),
                self.num(median, 1),
                self.num(p99, 1),
                self.num(per_second, 0)
            ),
            _ => "resumo: nenhuma ida e volta foi medida".into(),
        }
    }

    fn alarm_summary(&self, r: &AlarmReport) -> String {
        let waited = self.num(r.waited_s, 3);
        if r.rang {
            format!(
                "resumo: alarm({}) tocou depois de {waited} s: a pausa terminou quando o tratador \
                 de SIGALRM rodou (alarm(2), sigsuspend(2))",
                r.seconds
            )
        } else {
            format!(
                "resumo: interrompido depois de {waited} s, antes de alarm({}) tocar",
                r.seconds
            )
        }
    }

    fn why(&self, why: Why) -> String {
        match why {
            Why::ByteStream => "por quê: um pipe (e um socket SOCK_STREAM) é um fluxo de bytes \
                                sem fronteiras de mensagem; read(2) devolve o que já chegou, até \
                                o tamanho pedido (pipe(7), unix(7))"
                .into(),
            Why::MessageQueue => {
                "por quê: uma fila de mensagens preserva cada fronteira: cada mq_receive(3) \
                                  devolve uma mensagem inteira, nunca um pedaço nem duas, a mais \
                                  antiga da maior prioridade à espera; as mensagens esperam no \
                                  kernel até serem recebidas ou até a fila ser removida, e nada \
                                  diz quem as enviou (mq_overview(7))"
                    .into()
            }
            Why::Tcp => "por quê: TCP também é um fluxo de bytes, e não leva credenciais: \
                         o pai conhece cada filho pelo endereço e porta, não por quem o roda \
                         (tcp(7))"
                .into(),
            Why::Ring => "por quê: o anel guarda o comprimento de cada registro antes dos \
                          seus bytes, então cada registro chega inteiro e sozinho, nunca colado \
                          como nas leituras de um pipe; e nenhuma chamada de sistema os \
                          carregou: os dois processos mapeiam o mesmo memfd (memfd_create(2), \
                          mmap(2)), e uma palavra de confirmação publicou cada um"
                .into(),
            Why::Seqpacket => "por quê: SOCK_SEQPACKET preserva as fronteiras: cada read(2) \
                               devolve exatamente uma mensagem (unix(7))"
                .into(),
            Why::SignalsMerge => "por quê: um sinal padrão é um bit no conjunto de pendentes, \
                                  não um contador: um sinal enviado enquanto outro igual está \
                                  pendente se funde a ele, e kill(2) ainda diz que deu certo \
                                  (signal(7))"
                .into(),
            Why::SignalsQueue => "por quê: sinais de tempo real entram em fila: cada \
                                  sigqueue(3) é entregue uma vez, na ordem de envio, com seu \
                                  valor (signal(7), sigqueue(3))"
                .into(),
            Why::QueueLimit(limit) => format!(
                "por quê: RLIMIT_SIGPENDING ({limit}) limita os sinais pendentes de um usuário \
                 real, somando todos os seus processos; além disso sigqueue(3) falha com EAGAIN \
                 (getrlimit(2), signal(7))"
            ),
            Why::SignalPingPong => "por quê: cada ida e volta são duas chamadas a sigqueue(3) e \
                                    dois despertares em sigtimedwait(2); quase todo o tempo é \
                                    acordar o outro processo, como num pipe (signal(7))"
                .into(),
        }
    }

    fn capacity_summary(&self, r: &CapacityReport) -> String {
        let reported = r
            .pipe_size_bytes
            .map_or_else(|| "?".to_string(), |size| size.to_string());
        format!(
            "resumo: o {} guardou {} sem leitor (F_GETPIPE_SZ diz {reported}) em {} de {}, {}",
            r.mechanism.name(),
            count(r.held_bytes, "byte", "bytes"),
            count(r.writes, "escrita", "escritas"),
            count(r.write_size_bytes as u64, "byte", "bytes"),
            count(r.partial_writes, "parcial", "parciais")
        )
    }

    fn capacity_why(&self, r: &CapacityReport) -> String {
        let first = if r.write_size_bytes <= r.pipe_buf_bytes {
            format!(
                "por quê: escritas de até PIPE_BUF ({}) bytes são tudo-ou-nada; a última foi \
                 recusada inteira (EAGAIN)",
                r.pipe_buf_bytes
            )
        } else {
            let took = if r.partial_writes == 1 {
                "levou"
            } else {
                "levaram"
            };
            format!(
                "por quê: escritas acima de PIPE_BUF ({}) bytes não são atômicas: {} {took} só o \
                 espaço que havia",
                r.pipe_buf_bytes, r.partial_writes
            )
        };
        format!(
            "{first}\nagora um escritor bloqueante dormiria em write(2) até um leitor abrir \
             espaço; sem leitor algum, para sempre (pipe(7))"
        )
    }

    fn exec_summary(&self, r: &ExecReport) -> String {
        let cmd = command_line(&r.program);
        let son = r.son;
        let end = r.end.map_or_else(String::new, |end| {
            format!("; o filho {son} {}", self.process_end(end))
        });
        if r.big {
            let check = match (r.same_as_sent, r.first_difference_at) {
                (Some(true), _) => ", cada byte como foi enviado".to_string(),
                (Some(false), Some(at)) => format!(", diferente da entrada a partir do byte {at}"),
                _ => String::new(),
            };
            format!(
                "resumo: escreveu {} para o filho {son} (`{cmd}`) e leu {} de volta{check}{end}",
                count(r.bytes_sent, "byte", "bytes"),
                count(r.bytes_received, "byte", "bytes")
            )
        } else {
            format!(
                "resumo: enviou {} ({}) ao filho {son} (`{cmd}`), recebeu {} ({}){end}",
                count(r.lines_sent, "linha", "linhas"),
                count(r.bytes_sent, "byte", "bytes"),
                count(r.lines_received, "linha", "linhas"),
                count(r.bytes_received, "byte", "bytes")
            )
        }
    }

    fn atomic_header(&self) -> [&'static str; 6] {
        [
            "tamanho do registro",
            "escritores",
            "registros",
            "rasgados",
            "bytes perdidos",
            "veredito",
        ]
    }

    fn atomic_verdict(&self, run: &AtomicRun) -> String {
        let verdict = match (run.within_pipe_buf(), run.records_torn > 0) {
            (true, false) => "atômico, como pipe(7) promete até PIPE_BUF",
            (true, true) => "RASGADO: este kernel quebrou a promessa de pipe(7)",
            (false, true) => "rasgado: acima de PIPE_BUF nada é prometido",
            (false, false) => {
                "nenhum rasgou desta vez, mas acima de PIPE_BUF o kernel não prometeu nada"
            }
        };
        if run.stopped {
            format!("interrompido; até ali, {verdict}")
        } else {
            verdict.into()
        }
    }

    fn race_header(&self) -> [&'static str; 9] {
        [
            "sync",
            "filhos",
            "somas cada",
            "esperado",
            "obtido",
            "perdido",
            "% perdido",
            "tempo s",
            "CPU s",
        ]
    }

    fn race_why(&self, sync: SyncMode) -> String {
        match sync {
            SyncMode::None => "por quê (none): count += 1 são três passos, ler, somar e gravar; \
                               quando dois filhos leem o mesmo valor, ambos gravam esse valor + \
                               1 e uma soma se perde"
                .into(),
            SyncMode::Atomic => "por quê (atomic): fetch_add é uma leitura-modificação-escrita \
                                 que a CPU faz inteira (lock xadd): nada se perde, mas cada soma \
                                 disputa a mesma linha de cache"
                .into(),
            SyncMode::Lock => "por quê (lock): um mutex compartilhado entre processos deixa um \
                               filho por vez fazer os três passos: nada se perde, e os filhos \
                               esperam uns pelos outros em futex(2)"
                .into(),
        }
    }

    fn race_owner_died(&self, times: u64) -> String {
        format!(
            "EOWNERDEAD {}: um filho morreu segurando a trava, e o mutex robusto \
             (PTHREAD_MUTEX_ROBUST) avisou o próximo a travá-lo em vez de deixar todos esperando \
             para sempre (pthread_mutex_lock(3))",
            count(times, "vez", "vezes")
        )
    }

    fn cpu_summary(&self, r: &CpuReport) -> String {
        let cpu = format!(
            "CPU {} s ({} usuário, {} sistema)",
            self.num(r.user_s + r.sys_s, 3),
            self.num(r.user_s, 3),
            self.num(r.sys_s, 3)
        );
        let waited = match r.wake {
            Wake::Spin => "girou (spin) enquanto esperava",
            Wake::Futex => "dormiu em futex(2) enquanto esperava",
            Wake::Eventfd => "dormiu em poll(2) num eventfd enquanto esperava",
        };
        let sent = count(r.records, "registro enviado", "registros enviados");
        let received = count(r.records, "registro recebido", "registros recebidos");
        match (r.role, r.wall_s) {
            (Role::Son, None) => format!(
                "filho {}, pelo que escreveu por último no anel: {sent}; {cpu}",
                r.process
            ),
            (role, Some(wall)) => format!(
                "{} {}: {}; {cpu} em {} s de relógio ({} % de uma CPU): {waited}",
                match role {
                    Role::Father => "pai",
                    Role::Son => "filho",
                },
                r.process,
                match role {
                    Role::Father => &received,
                    Role::Son => &sent,
                },
                self.num(wall, 3),
                self.num(super::percent_of_a_cpu(r.user_s + r.sys_s, wall), 0)
            ),
            (Role::Father, None) => format!("pai {}: {received}; {cpu}", r.process),
        }
    }

    fn copy_ceiling(&self, which: &str, ceiling_gib: f64, shm_gib: f64) -> String {
        format!(
            "teto ({which}): copiar e conferir os mesmos registros num só processo, por um buffer \
             do tamanho do anel, anda a {} GiB/s: um transporte que os copia duas vezes numa \
             CPU; a linha shm, com dois processos, moveu {}× isso",
            self.num(ceiling_gib, 2),
            self.num(shm_gib / ceiling_gib.max(f64::MIN_POSITIVE), 2)
        )
    }

    fn measure(&self, measure: Measure) -> &'static str {
        match measure {
            Measure::Throughput => "vazão",
            Measure::Latency => "latência",
        }
    }

    fn bench_header(&self) -> [&'static str; 16] {
        [
            "mecanismo",
            "medida",
            "tamanho",
            "quantidade",
            "GiB/s",
            "mensagens/s",
            "p50 µs",
            "p90 µs",
            "p99 µs",
            "p99.9 µs",
            "max µs",
            "idas e voltas/s",
            "CPU pai s",
            "CPU filho s",
            "custo de CPU",
            "modo",
        ]
    }

    fn unsupported(&self, why: Unsupported) -> String {
        match why {
            Unsupported::AboveSendBuffer { max_bytes } => format!(
                "- (um registro precisa caber no buffer de envio: no máximo {})",
                human_bytes(max_bytes as u64)
            ),
            Unsupported::AboveMessageSize { max_bytes } => format!(
                "- (uma mensagem tem no máximo {} aqui: mq_msgsize, dentro de RLIMIT_MSGQUEUE)",
                human_bytes(max_bytes as u64)
            ),
            Unsupported::NoPayload => {
                "- (leva um número, nenhuma carga para dimensionar)".to_string()
            }
            Unsupported::NoFanIn => "- (sem fan-in aqui: veja a nota)".to_string(),
        }
    }

    fn export_title(&self) -> &'static str {
        "resultados do ipcdemo bench"
    }

    fn fact(&self, fact: Fact) -> &'static str {
        match fact {
            Fact::Command => "comando",
            Fact::Kernel => "kernel",
            Fact::Unknown => "desconhecido",
        }
    }

    fn cpus_fact(&self, online: usize, allowed: &str) -> String {
        format!("CPUs: {online} ligadas; esta execução pode usar {allowed}")
    }

    fn cpu_cost(&self, value: f64, measure: Measure) -> String {
        match measure {
            Measure::Latency => format!("{} µs/viagem", self.num(value, 1)),
            Measure::Throughput => format!("{} s/GiB", self.num(value, 3)),
        }
    }

    fn mode_part(&self, part: ModePart) -> String {
        match part {
            ModePart::ReadWrite => "leitura/escrita".into(),
            ModePart::ZeroCopy => "vmsplice/splice".into(),
            ModePart::SendReceive => "mq_send/mq_receive".into(),
            ModePart::Queue {
                max_messages,
                message_size,
            } => format!(
                "filas de {max_messages} × {}",
                human_bytes(message_size as u64)
            ),
            ModePart::PipeSize(bytes) => format!("pipe de {}", human_bytes(bytes as u64)),
            ModePart::BusyPoll => "busy-poll".into(),
            ModePart::HugePages => "páginas enormes".into(),
            ModePart::SameCpu(cpu) => format!("mesma CPU ({cpu})"),
            ModePart::SplitCpus(parent, child) => format!("CPUs separadas ({parent}, {child})"),
            ModePart::Sigqueue => "sigqueue/sigtimedwait".into(),
            ModePart::Memcpy => "memcpy".into(),
            ModePart::Futex => "futex".into(),
            ModePart::Ring(bytes) => format!("anel de {}", human_bytes(bytes as u64)),
            ModePart::MeanOnly(nanos) => format!(
                "média de {} µs, sem percentis",
                self.num(nanos as f64 / 1e3, 2)
            ),
            ModePart::FanIn {
                senders,
                record_bytes,
            } => format!(
                "{}, registros de {}",
                count(senders as u64, "remetente", "remetentes"),
                human_bytes(record_bytes as u64)
            ),
        }
    }

    fn bench_note(&self, mechanism: Mechanism, note: &BenchNote) -> String {
        let what = match note {
            BenchNote::PipeSizeRefused { .. } => match note.pipe_size_error() {
                Some(refused) => format!(
                    "{}; medido com o tamanho que o kernel manteve",
                    self.pipe_size_refused(&refused)
                ),
                None => String::new(),
            },
            BenchNote::MessageSizeCapped { asked, max } => format!(
                "aqui as mensagens têm no máximo {} (/proc/sys/fs/mqueue/msgsize_max, ou o \
                 que o RLIMIT_MSGQUEUE deixa), então a linha enviou mensagens de {}, não as de \
                 {} pedidas",
                human_bytes(*max as u64),
                human_bytes(*max as u64),
                human_bytes(*asked as u64)
            ),
            BenchNote::ZeroCopyCountsOnly => "cópia zero: o leitor passa as páginas para \
                                              /dev/null com splice(2) sem olhar para elas, então \
                                              só a contagem de bytes é conferida"
                .into(),
            BenchNote::SignalLatencyOnly => "um sinal carrega um número (a rodada) e nenhum \
                                             byte: sem linha de vazão, e --msg-size não se \
                                             aplica"
                .into(),
            BenchNote::FanInDoesNotApply => {
                let why = match mechanism {
                    Mechanism::Socketpair => {
                        "um socketpair tem exatamente duas pontas, uma para cada um de dois \
                         processos: nenhum socket de escuta onde um terceiro se conecte"
                    }
                    Mechanism::UnixSeqpacket => {
                        "um socket seqpacket mantém cada escrita como um pacote inteiro, então \
                         os remetentes não rasgam os registros uns dos outros"
                    }
                    Mechanism::Mq => {
                        "uma fila de mensagens mantém cada mensagem inteira, não importa quem a \
                         envie"
                    }
                    Mechanism::Shm => {
                        "o anel tem o índice de um só escritor; dois escritores disputariam por \
                         ele (veja ipcdemo shm race)"
                    }
                    Mechanism::Signal | Mechanism::Eventfd => "carrega um número, não bytes",
                    Mechanism::Pipe | Mechanism::Fifo | Mechanism::UnixStream | Mechanism::Tcp => {
                        "não nesta execução"
                    }
                };
                format!(
                    "fan-in (--senders) não se aplica: {why}; é medido nos fluxos de bytes \
                     (pipe, fifo, unix-stream, tcp)"
                )
            }
            BenchNote::RecordsCapped { asked, pipe_buf } => format!(
                "fan-in: registros de {} (PIPE_BUF), não os {} de --size: só uma escrita de no \
                 máximo PIPE_BUF bytes num pipe é atômica (pipe(7)); uma maior pode ser \
                 dividida e intercalada com bytes de outros remetentes",
                human_bytes(*pipe_buf as u64),
                human_bytes(*asked as u64)
            ),
            BenchNote::RecordsPadded { asked, header } => format!(
                "fan-in: registros de {}, não {}: cada registro leva seu remetente e seu \
                 número de sequência",
                count(*header as u64, "byte", "bytes"),
                count(*asked as u64, "byte", "bytes")
            ),
        };
        format!("nota ({}): {what}", mechanism.name())
    }

    fn fan_in_fairness(&self, mechanism: Mechanism, f: &FanIn) -> String {
        format!(
            "equidade ({}, {}): quando o primeiro remetente terminou, cada um tinha de {} % a \
             {} % dos bytes lidos (ideal {} %)",
            mechanism.name(),
            count(f.senders as u64, "remetente", "remetentes"),
            self.num(100.0 * f.share_min, 1),
            self.num(100.0 * f.share_max, 1),
            self.num(100.0 / f.senders.max(1) as f64, 1)
        )
    }

    fn bench_reading(&self, r: &Reading) -> String {
        let mut line = String::from("leitura:");
        if let Some((best, gib, times_tcp)) = r.fastest {
            line += &format!(
                " o fluxo mais rápido foi {} com {} GiB/s",
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
                " a ida e volta mais curta foi {} com {} µs de {}.",
                sized(best, r.sizes.1),
                self.num(median, 1),
                if r.by_mean { "média" } else { "mediana" }
            );
            if r.suggest_pinning {
                line += " Quase todo esse tempo é acordar o outro processo em outra CPU: tente \
                         --pin same ou --busy-poll.";
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
            "bench [{step}/{steps}] {} {}{}…",
            mechanism.name(),
            self.measure(measure),
            size.map_or_else(String::new, |s| format!(", {}", human_bytes(s as u64)))
        )
    }

    fn waiting(&self, w: &crate::event::Waiting) -> String {
        format!(
            "o pai passou {} % do tempo esperando em read(2) ({} de {})",
            self.num(100.0 * w.waited_s / w.reading_s, 0),
            self.duration(std::time::Duration::from_secs_f64(w.waited_s)),
            self.duration(std::time::Duration::from_secs_f64(w.reading_s))
        )
    }

    fn plot(&self, word: PlotWord) -> String {
        match word {
            PlotWord::Title => "ipcdemo bench: vazão e idas e voltas",
            PlotWord::ThroughputBySize => "Vazão por tamanho de mensagem",
            PlotWord::Throughput => "Vazão",
            PlotWord::LatencyBySize => "Ida e volta por tamanho de mensagem",
            PlotWord::Latency => "Percentis da ida e volta",
            PlotWord::MessageSize => "tamanho da mensagem (escala log)",
            PlotWord::BytesPerSecond => "bytes/s, num sentido (escala log)",
            PlotWord::GibPerSecond => "GiB por segundo, num sentido",
            PlotWord::RoundTrip => "ida e volta (escala log)",
            PlotWord::Percentile => "percentil das idas e voltas",
            PlotWord::Median => "mediana (p50)",
            PlotWord::P99 => "percentil 99 (p99)",
            PlotWord::Max => "máx",
            PlotWord::NoData => "Nada a desenhar: nenhuma linha foi medida",
        }
        .into()
    }

    fn timeline(&self, word: TimelineWord) -> String {
        match word {
            TimelineWord::Son => "filho".into(),
            TimelineWord::Father => "pai".into(),
            TimelineWord::Pipe => "pipe".into(),
            TimelineWord::Write => "escreve".into(),
            TimelineWord::Writes(n) => count(n, "escrita", "escritas"),
            TimelineWord::Waited(ms) => format!("({} ms)", self.num(ms, 0)),
            TimelineWord::EndOfFile => "fim de arquivo".into(),
            TimelineWord::Legend(Channel::Pipe) => {
                "linha do tempo: (ms) = quanto uma leitura esperou; pipe = bytes escritos e \
                                                   ainda não lidos, contados da chamada de cada \
                                                   escrita ao retorno de cada leitura, então a \
                                                   cada instante um limite superior"
                    .into()
            }
            TimelineWord::Legend(Channel::Fifo) => {
                "linha do tempo: (ms) = quanto uma leitura esperou; pipe = bytes esperando no \
                                                   FIFO logo antes de cada leitura (FIONREAD); \
                                                   com vários filhos escrevendo, um FIFO não \
                                                   sabe de quem são os bytes, então nenhuma \
                                                   escrita é desenhada"
                    .into()
            }
            TimelineWord::Legend(Channel::Socket) => {
                "linha do tempo: (ms) = quanto uma leitura esperou; pipe = bytes esperando na \
                                                     conexão daquele filho logo antes de cada \
                                                     leitura (FIONREAD)"
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
                    "nenhum processo que /proc mostre".to_string()
                } else {
                    held_list(&r.write_ends)
                };
                let then = if r.end_of_file {
                    "quando o pai fechou a cópia esquecida, o fim de arquivo veio na hora"
                } else {
                    "a execução terminou antes do fim de arquivo"
                };
                format!(
                    "resumo: o filho saiu, mas nenhum fim de arquivo veio por {}: uma \
                     extremidade de escrita continuava aberta ({held}); {then}",
                    self.duration(std::time::Duration::from_millis(ms))
                )
            }
            (true, None) => "resumo: o pai guardou a sua cópia da extremidade de escrita; a \
                             execução terminou antes de o filho sair"
                .into(),
            (false, _) if r.end_of_file => "resumo: o pai fechou logo a sua cópia da \
                                            extremidade de escrita, então o fim de arquivo veio \
                                            assim que o filho saiu"
                .into(),
            (false, _) => "resumo: a execução terminou antes de o filho sair".into(),
        };
        let Some(inherited) = &r.inherited else {
            return first;
        };
        let mut second = if inherited.is_empty() {
            "O_CLOEXEC: o filho que fez exec não tinha nada do pipe de pipe(2)".to_string()
        } else {
            format!(
                "O_CLOEXEC: o filho que fez exec ainda tinha {} do pipe de pipe(2) (fd {}), \
                 então o seu fim de arquivo esperou esse filho terminar",
                count(inherited.len() as u64, "descritor", "descritores"),
                fd_list(inherited)
            )
        };
        match &r.inherited_cloexec {
            Some(fds) if fds.is_empty() => {
                second.push_str("; o filho do pipe de pipe2(O_CLOEXEC) não tinha nenhum")
            }
            Some(fds) => second.push_str(&format!(
                "; o filho do pipe de pipe2(O_CLOEXEC) tinha {} (fd {})",
                count(fds.len() as u64, "descritor", "descritores"),
                fd_list(fds)
            )),
            None => {}
        }
        format!("{first}\n{second}")
    }

    fn leak_why(&self) -> String {
        "por quê: read(2) devolve 0 só quando todas as extremidades de escrita estão fechadas, \
         em todos os processos (pipe(7)); fork(2) copia todos os descritores, e execve(2) mantém \
         cada um que não tenha FD_CLOEXEC (fcntl(2)): crie pipes com O_CLOEXEC e feche as \
         extremidades que não usa"
            .into()
    }

    fn crash_summary(&self, r: &CrashReport) -> String {
        let name = r.mechanism.name();
        let Some(son) = r.son else {
            return format!("resumo ({name}): a execução terminou antes de um filho ser morto");
        };
        let how = if r.killed_in_write {
            "dentro de write(2)"
        } else {
            "enquanto escrevia"
        };
        let mut line = format!("resumo ({name}): o filho {son} foi morto por SIGKILL {how}");
        if !r.end_of_file {
            line.push_str("; a execução terminou antes de o leitor ver o fim de arquivo");
            return line;
        }
        line.push_str(&format!(
            "; o leitor ainda recebeu {}, e então fim de arquivo",
            count(r.bytes_after_kill, "byte", "bytes")
        ));
        match &r.left_behind {
            None if r.mechanism == Mechanism::Pipe => {
                line.push_str("; nada ficou para trás: um pipe não tem nome")
            }
            None => line.push_str("; nada ficou para trás"),
            Some(path) => {
                line.push_str(&format!("; deixou {} para trás", path.display()));
                if r.stale {
                    line.push_str(", um socket abandonado (connect(2) é recusado)");
                }
                if r.recovered {
                    line.push_str(
                        ", que o tratamento de sockets abandonados de `ipcdemo socket` substituiu",
                    );
                }
                if r.removed {
                    line.push_str("; removido agora, com a pasta temporária");
                }
            }
        }
        line
    }

    fn crash_why(&self) -> String {
        "por quê: o kernel fecha todos os descritores de um processo morto, então o seu leitor \
         recebe os bytes que já estavam no buffer, que podem acabar no meio de uma mensagem (uma \
         escrita acima de PIPE_BUF não é atômica, pipe(7)), e então fim de arquivo; mas um nome \
         no sistema de arquivos não pertence a processo nenhum: um FIFO ou um arquivo de socket \
         fica até alguém apagá-lo (fifo(7), unix(7))"
            .into()
    }

    fn lesson(&self, lesson: Lesson) -> &'static str {
        match lesson {
            Lesson::Anon => "um pipe(2) entre uma thread filho e o pai: mensagens se colam",
            Lesson::AnonFork => "o mesmo com um processo filho: dois PIDs, um pipe",
            Lesson::Named => "um FIFO: o pai aqui, `ipcdemo named --son` em outro terminal",
            Lesson::Socket => "um socket Unix: uma conexão por filho, quem é cada um, respostas",
            Lesson::Seqpacket => "o mesmo, mas cada leitura é exatamente uma mensagem",
            Lesson::Capacity => "quanto um pipe guarda antes de o escritor bloquear",
            Lesson::Atomic => "quais escritas rasgam quando muitos escritores dividem um pipe",
            Lesson::Signal => "sinais carregam um bit: 1000 enviados bloqueados, 1 chega",
            Lesson::Mq => "uma fila de mensagens: mensagens inteiras, prioridades que furam a fila",
            Lesson::Exec => "um programa em dois pipes: os impasses que todos encontram",
            Lesson::Fds => "quem tem as extremidades de um pipe: vazamento, exec, envio, kill -9",
            Lesson::ShmRace => {
                "processos somam num contador em memória compartilhada: somas se perdem"
            }
            Lesson::Shm => {
                "memória compartilhada: o pai aqui, `ipcdemo shm --son` em outro terminal"
            }
            Lesson::Bench => "pipes, sockets, TCP, shm, sinais, filas: a velocidade, aqui",
        }
    }

    fn lessons_intro(&self) -> &'static str {
        "ipcdemo: veja bytes viajando entre threads e processos. As lições, em ordem:"
    }

    fn lessons_outro(&self) -> &'static str {
        "Rode `ipcdemo <lição> --help` para as opções, `ipcdemo --help` para tudo."
    }
}
