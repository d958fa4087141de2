//! Português do Brasil, com as palavras do caderno (Pai, Filho, recebeu, às).

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

pub struct Pt;

/// `desc (NAME)`: the system's words for an errno, then its name to search for.
fn errno(e: Errno) -> String {
    format!("{} ({e:?})", e.desc())
}

fn show(path: Option<&Path>) -> String {
    path.map_or_else(|| "o arquivo".to_string(), |p| p.display().to_string())
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
                record: _,
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
            Event::Eof | Event::Listening { .. } => return None,
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
            Why::Ring => "por quê: o anel guarda o comprimento de cada registro antes dos \
                          seus bytes, então cada registro chega inteiro e sozinho, nunca colado \
                          como nas leituras de um pipe; e nenhuma chamada de sistema os \
                          carregou: os dois processos mapeiam o mesmo memfd (memfd_create(2), \
                          mmap(2)), e uma palavra de confirmação publicou cada um"
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

    fn copy_ceiling(&self, ceiling_gib: f64, shm_gib: f64) -> String {
        format!(
            "teto (shm): copiar e conferir os mesmos registros num só processo, por um buffer \
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

    fn bench_header(&self) -> [&'static str; 9] {
        [
            "mecanismo",
            "medida",
            "GiB/s",
            "mediana µs",
            "p99 µs",
            "idas e voltas/s",
            "CPU pai s",
            "CPU filho s",
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
            ModePart::Memcpy => "memcpy".into(),
            ModePart::Futex => "futex".into(),
            ModePart::Ring(bytes) => format!("anel de {}", human_bytes(bytes as u64)),
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
            Lesson::ShmRace => {
                "processos somam num contador em memória compartilhada: somas se perdem"
            }
            Lesson::Shm => {
                "memória compartilhada: o pai aqui, `ipcdemo shm --son` em outro terminal"
            }
            Lesson::Bench => "pipes, sockets, TCP e memória compartilhada: a velocidade, aqui",
        }
    }

    fn lessons_intro(&self) -> &'static str {
        "ipcdemo: veja bytes viajando entre threads e processos. As lições, em ordem:"
    }

    fn lessons_outro(&self) -> &'static str {
        "Rode `ipcdemo <lição> --help` para as opções, `ipcdemo --help` para tudo."
    }
}
