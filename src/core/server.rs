//! A server: its options, its listening socket, its connections and the
//! wakeup channel. The event loop lives in `event_loop.rs` and the request
//! lifecycle in `lifecycle.rs`; both are `impl Server` blocks.
//!
//! Every method takes `&self`: the user's handler runs in the middle of a
//! poll and calls back into the server (`mg_set_option`, `mg_next`, ...),
//! so mutable state sits in `Cell`/`RefCell`s whose borrows never span a
//! callback.

use crate::core::connection::{ConnPtr, Stage};
use crate::core::dialect::{Answer, Dialect, Event};
use crate::core::net::listener;
use crate::core::net::wakeup::{Message, Wakeup};
use crate::core::options::{parse_listening_port, Opt, OptionError, Options};
use crate::core::sys;
use std::cell::{Cell, RefCell};
use std::ffi::CStr;
use std::io;
use std::os::raw::c_void;
use std::os::unix::io::RawFd;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

pub struct Server<D: Dialect> {
    pub handler: Option<D::Handler>,
    pub server_param: *mut c_void,
    pub options: RefCell<Options>,
    /// Listening socket, -1 when none.
    pub listener: Cell<RawFd>,
    /// The listener's address when it is bound to one address (not a
    /// wildcard): then it is every accepted connection's local address,
    /// and no getsockname() per connection is needed.
    pub listener_addr: Cell<Option<std::net::SocketAddr>>,
    /// Connections, oldest first (5.4 iterates newest first).
    pub conns: RefCell<Vec<ConnPtr<D>>>,
    /// The same connections by descriptor, so the sockets select() found
    /// ready are served without walking every connection.
    by_fd: RefCell<Vec<Option<ConnPtr<D>>>>,
    pub wakeup: Wakeup<D>,
    /// Accepting paused (after EMFILE and the like) until this instant.
    pub accept_paused_until: Cell<Option<Instant>>,
    /// A descriptor held in reserve (on /dev/null, -1 when none), so that
    /// out of descriptors the server can still accept a connection to
    /// answer it 503 (see `Server::accept_connections`).
    pub spare_fd: Cell<RawFd>,
    /// Input bytes buffered by all connections together, as last counted
    /// (`Server::recharge`), against `max_buffered_input_size`.
    pub buffered_input: Cell<usize>,
    /// When the timers are next due for a check (None: at the next poll).
    pub next_timer_check: Cell<Option<Instant>>,
    /// A spare vector for `snapshot()` (saves an allocation per walk).
    pub spare_list: Cell<Vec<ConnPtr<D>>>,
    /// Where sockets are read into before the bytes are appended to a
    /// connection's buffer (one for the server rather than 16 KiB of stack
    /// under every handler call).
    pub read_buf: Cell<Vec<u8>>,
    /// Request buffers between requests (see `buffer_pool`).
    pub pool: RefCell<crate::core::net::buffer_pool::BufferPool>,
    /// The parsed `access_control_list`, when set.
    pub acl: RefCell<Option<crate::core::files::acl::Acl>>,
    /// The thread that last ran `mg_poll_server` (its `thread_token`).
    pub io_thread: sys::Lock<Option<u64>>,
    /// The same, as last stored by `poll` (which alone writes it): the lock
    /// is taken only when the polling thread changes.
    pub io_thread_stored: Cell<Option<u64>>,
    /// The Digest nonces this server issued (see `core::auth`).
    pub nonces: RefCell<crate::core::auth::Nonces>,
    /// What the requests under way proved with their Digest credentials,
    /// by connection address (kept here rather than in every connection
    /// record; an entry goes when its connection's next request begins).
    pub request_auth: RefCell<Vec<(usize, crate::core::auth::RequestAuth)>>,
    /// WebDAV locks and dead properties (see `handlers::dav_state`).
    pub dav: RefCell<crate::core::handlers::dav_state::DavState>,
    /// TLS settings from `ssl_certificate` / `ssl_ca_certificate`.
    pub tls: RefCell<crate::core::net::tls::TlsSettings>,
}

impl<D: Dialect> Server<D> {
    pub fn new(server_param: *mut c_void, handler: Option<D::Handler>) -> io::Result<Server<D>> {
        sys::ignore_sigpipe();
        Ok(Server {
            handler,
            server_param,
            options: RefCell::new(Options::default()),
            listener: Cell::new(-1),
            listener_addr: Cell::new(None),
            conns: RefCell::new(Vec::new()),
            by_fd: RefCell::new(Vec::new()),
            wakeup: Wakeup::new()?,
            accept_paused_until: Cell::new(None),
            spare_fd: Cell::new(-1),
            buffered_input: Cell::new(0),
            acl: RefCell::new(None),
            spare_list: Cell::new(Vec::new()),
            nonces: RefCell::new(crate::core::auth::Nonces::new()),
            request_auth: RefCell::new(Vec::new()),
            dav: RefCell::new(Default::default()),
            read_buf: Cell::new(Vec::new()),
            pool: RefCell::default(),
            next_timer_check: Cell::new(None),
            io_thread: sys::Lock::new(None),
            io_thread_stored: Cell::new(None),
            tls: RefCell::default(),
        })
    }

    pub fn has_handler(&self) -> bool {
        self.handler.is_some()
    }

    /// Calls the user's handler. Callers hold no borrow of the connection
    /// or of the server's cells across this call.
    pub fn call(&self, c: ConnPtr<D>, event: Event) -> Answer {
        let Some(h) = self.handler else {
            return Answer::Declined;
        };
        let result = D::deliver(h, c, event);
        c.with(|c| {
            // Output queued while the handler goes on working (MG_POLL
            // slices, a request kept open with MG_MORE, an outgoing
            // connection) must bring the next poll at once, as it did in
            // 5.4. A reply that ends its work (MG_REQUEST answered, an
            // error page, a websocket message) needs no second poll.
            let goes_on = match event {
                Event::Poll | Event::Connect | Event::Reply => true,
                Event::Request => result == Answer::More && c.stage != Stage::Websocket,
                _ => false,
            };
            if !goes_on {
                c.handler_output = false;
            }
        });
        result
    }

    /// Adds a new connection (accepted or outgoing) to the server.
    pub fn add_connection(&self, c: ConnPtr<D>) {
        let fd = c.with(|c| c.fd());
        self.conns.borrow_mut().push(c);
        if let Ok(i) = usize::try_from(fd) {
            let mut by_fd = self.by_fd.borrow_mut();
            if by_fd.len() <= i {
                by_fd.resize(i + 1, None);
            }
            by_fd[i] = Some(c);
        }
    }

    /// Removes connections (the sweep, before freeing them).
    pub fn remove_connections(&self, doomed: &[ConnPtr<D>]) {
        self.conns.borrow_mut().retain(|c| !doomed.contains(c));
        let mut by_fd = self.by_fd.borrow_mut();
        for c in doomed {
            let fd = c.with(|c| c.fd());
            if let Some(slot) = usize::try_from(fd).ok().and_then(|i| by_fd.get_mut(i)) {
                if *slot == Some(*c) {
                    *slot = None;
                }
            }
        }
    }

    /// The connection using descriptor `fd`, if any.
    pub fn connection_by_fd(&self, fd: i32) -> Option<ConnPtr<D>> {
        let i = usize::try_from(fd).ok()?;
        self.by_fd.borrow().get(i).copied().flatten()
    }

    /// Connections newest first, copied so callbacks may run while walking.
    pub fn snapshot(&self) -> Vec<ConnPtr<D>> {
        let mut list = self.spare_list.take();
        list.clear();
        list.extend(self.conns.borrow().iter().rev().copied());
        list
    }

    /// Hands a snapshot's allocation back for the next `snapshot()`.
    pub fn recycle(&self, list: Vec<ConnPtr<D>>) {
        self.spare_list.set(list);
    }

    pub fn connection_count(&self) -> usize {
        self.conns.borrow().len()
    }

    /// `mg_next`: the connection after `c` (newest first); `None` starts.
    pub fn next(&self, c: Option<ConnPtr<D>>) -> Option<ConnPtr<D>> {
        let conns = self.conns.borrow();
        let live = |p: &&ConnPtr<D>| !p.with(|c| c.close_notified);
        match c {
            None => conns.iter().rev().find(live).copied(),
            Some(c) => {
                let pos = conns.iter().position(|&p| p == c)?;
                conns[..pos].iter().rev().find(live).copied()
            }
        }
    }

    /// Is the caller the IO thread (or has nobody polled yet)?
    pub fn on_io_thread(&self) -> bool {
        let me = thread_token();
        self.io_thread.with(|owner| owner.is_none_or(|t| t == me))
    }

    /// Runs `task` on the IO thread: now when called there, otherwise
    /// during the next poll (`mg_iterate_over_connections`).
    pub fn run_on_io_thread(&self, task: impl FnOnce(&Server<D>) + Send + 'static) {
        if self.on_io_thread() {
            task(self);
        } else {
            self.wakeup.push(Message::Run(Box::new(task)));
        }
    }

    /// Calls `f` for every live connection, newest first (the handler may
    /// run inside `f`: no borrow is held).
    pub fn for_each_live(&self, mut f: impl FnMut(ConnPtr<D>)) {
        let list = self.snapshot();
        for &c in &list {
            if !c.with(|c| c.close_notified) {
                f(c);
            }
        }
        self.recycle(list);
    }

    /// `mg_set_option`.
    pub fn set_option(&self, name: &[u8], value: Option<&[u8]>) -> Result<(), OptionError> {
        let opt = Opt::from_name(name).ok_or(OptionError::NoSuchOption)?;
        Options::validate(opt, value)?;
        let value = value.filter(|v| !v.is_empty());
        match opt {
            Opt::ListeningPort => self.set_listening_port(value),
            Opt::AccessControlList => {
                // A malformed ACL is refused (5.4 then allowed everyone).
                let acl = match value {
                    Some(v) => Some(
                        crate::core::files::acl::Acl::parse(v).map_err(|_| OptionError::BadAcl)?,
                    ),
                    None => None,
                };
                *self.acl.borrow_mut() = acl;
                self.options.borrow_mut().set(opt, value);
                Ok(())
            }
            Opt::SslCertificate | Opt::SslCaCertificate => self.set_tls_option(opt, value),
            Opt::RunAsUser => {
                if let Some(user) = value {
                    sys::run_as_user(user)?;
                }
                self.options.borrow_mut().set(opt, value);
                Ok(())
            }
            _ => {
                self.options.borrow_mut().set(opt, value);
                Ok(())
            }
        }
    }

    fn set_listening_port(&self, value: Option<&[u8]>) -> Result<(), OptionError> {
        let Some(value) = value else {
            self.replace_listener(-1);
            self.options.borrow_mut().set(Opt::ListeningPort, None);
            return Ok(());
        };
        let addr = parse_listening_port(value)?;
        let fd = sys::listen_tcp(&addr).map_err(|_| OptionError::CannotBind)?;
        if fd >= sys::FD_SETSIZE {
            // select() could never watch it: the port would look open and
            // never answer.
            sys::close(fd);
            return Err(OptionError::DescriptorTooHigh);
        }
        self.replace_listener(listener::adopt(fd));
        let port = sys::local_addr(fd).map_or(addr.port(), |a| a.port());
        self.options
            .borrow_mut()
            .set(Opt::ListeningPort, Some(port.to_string().as_bytes()));
        Ok(())
    }

    /// Installs `fd` (already registered with `listener`) as the
    /// listening socket, releasing the previous one.
    pub fn replace_listener(&self, fd: RawFd) {
        let old = self.listener.replace(fd);
        let bound = (fd >= 0).then(|| sys::local_addr(fd)).flatten();
        self.listener_addr
            .set(bound.filter(|a| !a.ip().is_unspecified()));
        if old >= 0 && old != fd {
            listener::release(old);
        }
        self.accept_paused_until.set(None);
    }

    /// `mg_set_listening_socket`: adopt a socket, possibly shared with other
    /// servers.
    pub fn set_listening_socket(&self, fd: RawFd) {
        if fd < 0 {
            self.replace_listener(-1);
            return;
        }
        if fd == self.listener.get() || fd >= sys::FD_SETSIZE {
            return; // (select() could never watch the latter)
        }
        let _ = sys::set_nonblocking(fd);
        self.replace_listener(listener::adopt(fd));
    }

    pub fn get_option(&self, name: &[u8]) -> Option<*const std::os::raw::c_char> {
        let opt = Opt::from_name(name)?;
        let options = self.options.borrow();
        Some(options.get(opt).map_or(c"".as_ptr(), CStr::as_ptr))
    }

    /// Closes everything (`mg_destroy_server`): pending replies get a last
    /// non-blocking flush, every connection gets `MG_CLOSE`.
    pub fn shutdown(&self) {
        for c in self.snapshot() {
            c.with(|c| {
                crate::core::net::event_loop::write_out(c);
                c.close_now = true;
            });
        }
        self.sweep();
        // Children of requests that ended (CGI) are killed and reaped.
        crate::core::net::companion::reap_all();
        self.replace_listener(-1);
        let spare = self.spare_fd.replace(-1);
        if spare >= 0 {
            sys::close(spare);
        }
    }
}

/// A number naming the calling thread, never reused while the process
/// runs (unlike `pthread_self()`). Not `std::thread::current().id()`: that
/// allocates the standard library's handle for the thread, which the main
/// thread never frees, so every program that polls would end with a block
/// valgrind reports as lost. This needs no allocation and no destructor.
pub fn thread_token() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    thread_local!(static TOKEN: Cell<u64> = const { Cell::new(0) });
    TOKEN.with(|token| {
        if token.get() == 0 {
            token.set(NEXT.fetch_add(1, Ordering::Relaxed));
        }
        token.get()
    })
}
