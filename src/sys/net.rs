//! Where a TCP father listens or a son connects, as the user wrote it.

/// `[HOST:]PORT` for TCP: `5000`, `127.0.0.1:5000`, `[::1]:5000`, `localhost:5000`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPort {
    /// The host as written (an IPv6 address without its brackets); `None`: loopback.
    pub host: Option<String>,
    pub port: u16,
}

impl std::fmt::Display for HostPort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.host {
            Some(host) if host.contains(':') => write!(f, "[{host}]:{}", self.port),
            Some(host) => write!(f, "{host}:{}", self.port),
            None => write!(f, "{}", self.port),
        }
    }
}
