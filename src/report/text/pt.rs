//! Português do Brasil, com as palavras do caderno (Pai, Filho, recebeu, às).

use std::path::Path;

use nix::errno::Errno;

use super::{ModePart, Reading, Words, command_line, count, human_bytes, son_command, son_name};
use crate::bench::model::{BenchNote, Measure, Mechanism};
use crate::event::{
    AtomicRun, CapacityReport, Deadlock, Error, Event, ExecReport, LinuxOnly, Note, Partial,
    PipeFill, ProcessEnd, ReadCounts, Role, Sleeper, Stall, Waits, Why,
};
use crate::report::lessons::Lesson;
use crate::sys::pipesize::PipeSizeError;
use crate::sys::{Doing, FileKind, Object, Refusal};

pub struct Pt;

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
            } => {
                let data = data.escaped();
                let mut line = match son.map(son_name) {
                    Some(son) => format!("{who} {pid} recebeu [{data}] do filho {son} às {time}"),
                    None => format!("{who} {pid} recebeu [{data}] às {time}"),
                };
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
            Event::Sent { data } => format!("{who} {pid} enviou [{}] às {time}", data.escaped()),
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
            Event::Eof | Event::Listening { .. } => return None,
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
                "substituído o socket abandonado {} (ninguém escutava: um pai morto com kill -9)",
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
            Note::SonFailed { pid, error } => {
                format!(
                    "{}: filho {pid}: {}",
                    self.error_prefix(),
                    self.error(error)
                )
            }
            Note::BenchChildFailed(error) => format!(
                "{}: o processo filho da medição: {}",
                self.error_prefix(),
                self.error(error)
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
            Error::PipeBufBroken { pipe_buf } => format!(
                "um registro de no máximo PIPE_BUF ({pipe_buf}) bytes se rasgou: este kernel \
                 quebrou a promessa de pipe(7)"
            ),
            Error::Bench {
                mechanism,
                measure,
                error,
            } => format!(
                "medindo a {} de {}: {}",
                self.measure(*measure),
                mechanism.name(),
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
            Doing::Locking => format!("travando {p}"),
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

    fn why(&self, why: Why) -> String {
        match why {
            Why::ByteStream => "por quê: um pipe (e um socket SOCK_STREAM) é um fluxo de bytes \
                                sem fronteiras de mensagem; read(2) devolve o que já chegou, até \
                                o tamanho pedido (pipe(7), unix(7))"
                .into(),
            Why::Tcp => "por quê: TCP também é um fluxo de bytes, e não leva credenciais: \
                         o pai conhece cada filho pelo endereço e porta, não por quem o roda \
                         (tcp(7))"
                .into(),
            Why::Seqpacket => "por quê: SOCK_SEQPACKET preserva as fronteiras: cada read(2) \
                               devolve exatamente uma mensagem (unix(7))"
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
        match (run.within_pipe_buf(), run.records_torn > 0) {
            (true, false) => "atômico, como pipe(7) promete até PIPE_BUF",
            (true, true) => "RASGADO: este kernel quebrou a promessa de pipe(7)",
            (false, true) => "rasgado: acima de PIPE_BUF nada é prometido",
            (false, false) => {
                "nenhum rasgou desta vez, mas acima de PIPE_BUF o kernel não prometeu nada"
            }
        }
        .into()
    }

    fn measure(&self, measure: Measure) -> &'static str {
        match measure {
            Measure::Throughput => "vazão",
            Measure::Latency => "latência",
        }
    }

    fn bench_header(&self) -> [&'static str; 7] {
        [
            "mecanismo",
            "medida",
            "GiB/s",
            "mediana µs",
            "p99 µs",
            "idas e voltas/s",
            "modo",
        ]
    }

    fn mode_part(&self, part: ModePart) -> String {
        match part {
            ModePart::ReadWrite => "leitura/escrita".into(),
            ModePart::ZeroCopy => "vmsplice/splice".into(),
            ModePart::PipeSize(bytes) => format!("pipe de {}", human_bytes(bytes as u64)),
            ModePart::BusyPoll => "busy-poll".into(),
            ModePart::HugePages => "páginas enormes".into(),
            ModePart::SameCpu(cpu) => format!("mesma CPU ({cpu})"),
            ModePart::SplitCpus(parent, child) => format!("CPUs separadas ({parent}, {child})"),
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
            BenchNote::ZeroCopyCountsOnly => "cópia zero: o leitor passa as páginas para \
                                              /dev/null com splice(2) sem olhar para elas, então \
                                              só a contagem de bytes é conferida"
                .into(),
        };
        format!("nota ({}): {what}", mechanism.name())
    }

    fn bench_reading(&self, r: &Reading) -> String {
        let mut line = String::from("leitura:");
        if let Some((best, gib, times_tcp)) = r.fastest {
            line += &format!(
                " o fluxo mais rápido foi {} com {} GiB/s",
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
                " a ida e volta mais curta foi {} com {} µs de mediana.",
                best.name(),
                self.num(median, 1)
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
    ) -> String {
        format!(
            "bench [{step}/{steps}] {} {}…",
            mechanism.name(),
            self.measure(measure)
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
            Lesson::Anon => "um pipe(2) entre uma thread filho e o pai: mensagens se colam",
            Lesson::AnonFork => "o mesmo com um processo filho: dois PIDs, um pipe",
            Lesson::Named => "um FIFO: o pai aqui, `ipcdemo named --son` em outro terminal",
            Lesson::Socket => "um socket Unix: uma conexão por filho, quem é cada um, respostas",
            Lesson::Seqpacket => "o mesmo, mas cada leitura é exatamente uma mensagem",
            Lesson::Capacity => "quanto um pipe guarda antes de o escritor bloquear",
            Lesson::Atomic => "quais escritas rasgam quando muitos escritores dividem um pipe",
            Lesson::Exec => "um programa em dois pipes: os impasses que todos encontram",
            Lesson::Bench => "pipe, FIFO, sockets e TCP: a velocidade, aqui",
        }
    }

    fn lessons_intro(&self) -> &'static str {
        "ipcdemo: veja bytes viajando entre threads e processos. As lições, em ordem:"
    }

    fn lessons_outro(&self) -> &'static str {
        "Rode `ipcdemo <lição> --help` para as opções, `ipcdemo --help` para tudo."
    }
}
