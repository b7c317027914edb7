//! One `mg_poll_server()` iteration: MG_POLL and timeouts, one `select()`
//! over the listener, the wakeup socket and every connection, then wakeup
//! messages, accepts, reads (which drive the request lifecycle), writes and
//! the sweep that closes what must be closed.

use crate::core::connection::{ConnPtr, Connection, Stage};
use crate::core::dialect::{Answer, Dialect, Event};
use crate::core::net::clock;
use crate::core::net::companion;
use crate::core::net::wakeup::Message;
use crate::core::options::Opt;
use crate::core::protocol;
use crate::core::protocol::client;
use crate::core::protocol::http_session;
use crate::core::server::Server;
use crate::core::sys::{self, FdSet, FD_SETSIZE};
use std::io;
use std::time::{Duration, Instant};

/// Accepts handled per poll, so a connection flood cannot starve the rest.
const MAX_ACCEPTS_PER_POLL: usize = 128;
/// How long accepting pauses after the process ran out of descriptors.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
/// Most bytes read from one socket per poll, for fairness.
const MAX_READ_PER_POLL: usize = 1 << 20;
/// Read granularity.
pub(crate) const READ_CHUNK: usize = 16384;
/// How often idle, request and ping timers are checked.
const TIMER_GRANULARITY: Duration = Duration::from_millis(10);
/// Stop reading requests while this much output is waiting to be sent.
pub const MAX_QUEUED_OUTPUT_TO_READ: usize = 256 * 1024;
/// How long a closing connection waits for the peer's FIN.
const LINGER: Duration = Duration::from_secs(2);

impl<D: Dialect> Server<D> {
    /// One iteration; returns the number of connections.
    pub fn poll(&self, timeout: Duration) -> usize {
        let me = crate::core::server::thread_token();
        if self.io_thread_stored.get() != Some(me) {
            self.io_thread.with(|owner| *owner = Some(me));
            self.io_thread_stored.set(Some(me));
        }

        let now = clock::refresh();
        // Timeouts are coarse: checking them every few milliseconds is
        // plenty, and keeps busy polls cheap.
        let check_timers = self.next_timer_check.get().is_none_or(|t| now >= t);
        if check_timers {
            self.next_timer_check
                .set(now.checked_add(TIMER_GRANULARITY));
        }
        let list = self.snapshot();
        for &c in &list {
            if c.with(|c| c.close_now) {
                continue;
            }
            if self.has_handler() && self.call(c, Event::Poll) == Answer::Done {
                http_session::handler_finished(self, c);
            }
            // Pipelined requests may be waiting behind one that ended.
            self.process_pending(c);
            // Output the handler has just queued goes out before the
            // timers look at the connection: a long poll that was quiet
            // for longer than the idle timeout and now answers is active,
            // not idle (5.4 closed it, losing the answer).
            if c.with(|c| c.needs_flush()) {
                self.flush(c);
            }
            if check_timers {
                c.with(|c| self.recharge(c));
                protocol::check_timers(self, c, now);
                if c.with(|c| c.companion.is_some()) {
                    companion::run(self, c, |x, srv, c| x.tick(srv, c, now));
                }
            }
        }
        if check_timers {
            companion::reap(now);
        }
        // The same walk list serves the rest of the iteration unless the
        // set of connections changed (the sweep freed some, or a handler
        // created one): a busy server skips a second copy of the list.
        let list = if self.sweep() || self.connection_count() != list.len() {
            self.recycle(list);
            self.snapshot()
        } else {
            list
        };

        let mut read = FdSet::new();
        let mut write = FdSet::new();
        read.insert(self.wakeup.read_fd());
        let mut timeout = timeout;
        let listener = self.listener.get();
        if listener >= 0 {
            match self.accept_paused_until.get() {
                Some(until) if until > now => timeout = timeout.min(until - now),
                _ => {
                    self.accept_paused_until.set(None);
                    read.insert(listener);
                }
            }
        }
        let limits = protocol::ReadLimits::from_options(&self.options.borrow());
        // From here on records are freed only by the sweep at the end of
        // the iteration. Connections accepted (or created by callbacks)
        // after this point are served where they are created, and flushed
        // below with the rest.
        let known = list.len();
        let mut handler_wrote = false;
        // Companion descriptors (a CGI's pipes) and their connections.
        let mut watches = Vec::new();
        let mut watched = Vec::new();
        // Connections whose transport holds input the socket will not
        // signal (decrypted TLS records): read them after select() anyway.
        let mut buffered_input = Vec::new();
        for &conn in &list {
            conn.with(|c| {
                if limits.budget(c) > 0 {
                    read.insert(c.fd());
                    if c.transport.has_buffered_input() {
                        buffered_input.push(c.fd());
                    }
                }
                if let Some(companion) = c.companion.as_ref() {
                    let before = watches.len();
                    companion.watch(c, &mut watches);
                    for w in &watches[before..] {
                        if w.read {
                            read.insert(w.fd);
                        }
                        if w.write {
                            write.insert(w.fd);
                        }
                    }
                    if watches.len() > before {
                        watched.push((conn, watches.len()));
                    }
                }
                let wrote = std::mem::take(&mut c.handler_output);
                if (c.has_pending_output() && !c.transport.output_blocked())
                    || c.stage == Stage::Connecting
                {
                    write.insert(c.fd());
                } else if wrote {
                    handler_wrote = true;
                }
            });
        }
        if handler_wrote {
            // A handler working in steps queued output that has already
            // gone out. 5.4 watched that connection for writability, so
            // its next poll came at once, and 5.4 programs rely on it: they
            // do long work one slice per MG_POLL, queueing a byte "to wake
            // up select()". Output still queued is in the write set
            // instead, which wakes us when the peer reads (no busy loop on
            // a peer that does not).
            timeout = Duration::ZERO;
        }
        if !buffered_input.is_empty() {
            timeout = Duration::ZERO;
        }

        if sys::select(&mut read, &mut write, timeout).is_err() {
            // Only EBADF/EINVAL get here (a user closed one of our
            // descriptors): sleep instead of spinning.
            self.recycle(list);
            std::thread::sleep(timeout.min(Duration::from_millis(100)));
            return self.connection_count();
        }

        clock::refresh();
        for fd in buffered_input {
            read.insert(fd);
        }
        if read.contains(self.wakeup.read_fd()) {
            self.handle_messages();
            for &c in &list {
                self.process_pending(c);
            }
        }
        // (Only if a wakeup callback did not replace the listener meanwhile:
        // its old descriptor number may already belong to another socket.)
        if listener >= 0 && read.contains(listener) && self.listener.get() == listener {
            self.accept_connections(listener);
        }
        // Only the sockets select() reported. Their descriptors stay open
        // (and theirs) until the sweep, so the table cannot have moved on.
        for fd in read.union_iter(&write) {
            let (readable, writable) = (read.contains(fd), write.contains(fd));
            let Some(c) = self.connection_by_fd(fd) else {
                continue; // the listener or the wakeup socket
            };
            if writable {
                if c.with(|c| c.stage == Stage::Connecting) {
                    client::finish_connect(self, c);
                } else {
                    self.flush(c);
                }
            }
            if readable {
                self.read_and_process(c);
            }
        }
        // Companions with a ready descriptor (records are freed only by
        // the sweep below, so `c` is still the one that asked).
        let mut start = 0;
        for (c, end) in watched {
            let ready = watches[start..end]
                .iter()
                .any(|w| read.contains(w.fd) || write.contains(w.fd));
            start = end;
            if !ready {
                continue;
            }
            companion::run(self, c, |x, srv, c| x.ready(srv, c));
            self.flush(c);
        }
        // Output queued by wakeup callbacks or other connections' handlers
        // goes out now rather than after the next select(), including on
        // connections added since `list` was taken (the list of connections
        // only grows until the sweep, so they are the ones past `known`).
        let added: Vec<ConnPtr<D>> = self.conns.borrow().iter().skip(known).copied().collect();
        for &c in list.iter().chain(&added) {
            if c.with(|c| c.needs_flush()) {
                self.flush(c);
            }
        }
        self.recycle(list);
        self.sweep();
        self.connection_count()
    }

    fn handle_messages(&self) {
        for message in self.wakeup.take() {
            match message {
                Message::Wake => {}
                Message::Run(task) => task(self),
            }
        }
    }

    fn accept_connections(&self, listener: i32) {
        let max_conns = self.options.borrow().number(Opt::MaxConnections) as usize;
        if self.spare_fd.get() < 0 {
            // Taken now, while descriptors are free (or again after a
            // shortage), for the day they run out.
            self.spare_fd.set(sys::open_spare().unwrap_or(-1));
        }
        for _ in 0..MAX_ACCEPTS_PER_POLL {
            match sys::accept(listener) {
                Ok((fd, peer)) => {
                    if fd >= FD_SETSIZE || self.connection_count() >= max_conns {
                        // Refused cleanly: a descriptor >= FD_SETSIZE can
                        // never enter an fd_set.
                        refuse(fd);
                        continue;
                    }
                    if let Some(acl) = self.acl.borrow().as_ref() {
                        // Denied peers are closed at once, with no events.
                        if !peer.is_some_and(|p| acl.allows(p.ip())) {
                            sys::close(fd);
                            continue;
                        }
                    }
                    let mut conn =
                        Connection::new(fd, peer, self.local_addr_of(fd), self.server_param);
                    conn.server = self;
                    if crate::core::net::tls::wrap_accepted(self, &mut conn).is_err() {
                        sys::close(fd);
                        continue;
                    }
                    let c = ConnPtr::from_box(conn);
                    self.add_connection(c);
                    // The request is often already there: skip a select().
                    self.read_and_process(c);
                }
                Err(e) => {
                    let mut error = e.raw_os_error();
                    if matches!(error, Some(libc::EMFILE) | Some(libc::ENFILE)) {
                        // Out of descriptors: answer the waiting connection
                        // with the spare one rather than leave it hanging.
                        match self.refuse_with_spare(listener) {
                            Ok(()) => continue,
                            Err(e) => error = e.raw_os_error(),
                        }
                    }
                    match error {
                        Some(libc::EINTR) | Some(libc::ECONNABORTED) | Some(libc::EPROTO) => {
                            continue
                        }
                        Some(libc::EAGAIN) => {}
                        _ => {
                            // No spare descriptor (another thread took it),
                            // ENOBUFS, ENOMEM or a broken listener: back off
                            // instead of spinning on a listener that stays
                            // readable.
                            self.accept_paused_until
                                .set(Some(Instant::now() + ACCEPT_BACKOFF));
                        }
                    }
                    break;
                }
            }
        }
    }

    /// Out of descriptors: frees the spare one, accepts the next waiting
    /// connection on it, answers `503` and closes it, then takes the spare
    /// back (the classic trick; without it the connection would wait in
    /// the accept queue, unanswered, until descriptors free up).
    fn refuse_with_spare(&self, listener: i32) -> io::Result<()> {
        let spare = self.spare_fd.replace(-1);
        if spare < 0 {
            return Err(io::Error::from_raw_os_error(libc::EMFILE));
        }
        sys::close(spare);
        let accepted = sys::accept(listener);
        if let Ok((fd, _)) = accepted {
            refuse(fd);
        }
        self.spare_fd.set(sys::open_spare().unwrap_or(-1));
        accepted.map(|_| ())
    }

    /// Brings the server's count of buffered input up to date with what
    /// `c` holds now. Called after every read and its processing (input
    /// only grows there), on every timer check and when `c` is freed.
    pub fn recharge(&self, c: &mut Connection<D>) {
        let held = if c.close_now { 0 } else { c.input_held() };
        let total = self.buffered_input.get().saturating_sub(c.input_charge) + held;
        self.buffered_input.set(total);
        c.input_charge = held;
    }

    /// How many bytes of input `c` may hold in all before the server's
    /// buffered input would exceed `max_buffered_input_size`, given what
    /// the other connections hold.
    pub fn input_room(&self, c: &Connection<D>) -> usize {
        let budget = self.options.borrow().number(Opt::MaxBufferedInputSize);
        let others = self.buffered_input.get().saturating_sub(c.input_charge);
        usize::try_from(budget)
            .unwrap_or(usize::MAX)
            .saturating_sub(others)
    }

    /// Reads what the socket has (within the budget) and runs the request
    /// lifecycle on it.
    pub fn read_and_process(&self, c: ConnPtr<D>) {
        let (got_data, reply_closed) = c.with(|c| {
            let got = self.read_socket(c);
            // What was read counts against the server's budget before the
            // lifecycle decides whether the body or message may grow.
            self.recharge(c);
            (got, protocol::wants_input_at_close(c))
        });
        if got_data || reply_closed {
            http_session::process_input(self, c);
        }
        c.with(|c| {
            self.recharge(c);
            if c.peer_closed && !c.close_now {
                protocol::on_peer_closed(c);
            }
        });
        self.flush(c);
    }

    /// Returns whether new request bytes were buffered.
    fn read_socket(&self, c: &mut Connection<D>) -> bool {
        let discard = c.linger_until.is_some() || c.stage == Stage::Closing;
        let mut budget = protocol::ReadLimits::from_options(&self.options.borrow())
            .budget(c)
            .min(MAX_READ_PER_POLL);
        let mut got = false;
        if !discard && budget > 0 {
            self.lend_buffers(c);
        }
        // Read into the server's buffer and copy: an idle connection's
        // buffer then stays as small as what it received (RSS per idle
        // connection), instead of a 16 KiB reservation.
        let mut read_buf = self.read_buf.take();
        read_buf.clear();
        read_buf.reserve_exact(READ_CHUNK);
        let chunk = &mut read_buf.spare_capacity_mut()[..READ_CHUNK];
        while budget > 0 && !c.peer_closed {
            let want = budget.min(READ_CHUNK);
            if discard {
                match c.transport.discard(&mut chunk[..want]) {
                    Ok(0) => c.peer_closed = true,
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(_) => c.peer_closed = true,
                }
                continue;
            }
            match c.transport.recv_into(&mut chunk[..want], &mut c.recv) {
                Ok(0) => c.peer_closed = true,
                Ok(n) => {
                    budget -= n;
                    got = true;
                    c.input_received += n as u64;
                    c.last_io = clock::now();
                    protocol::on_received(c);
                    if n < want {
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    if e.kind() == io::ErrorKind::InvalidData && c.stage == Stage::Reply {
                        // An outgoing TLS handshake failed (5.4 reported
                        // connect failures in status_code the same way).
                        c.set_status(libc::EPROTO);
                    }
                    c.peer_closed = true;
                    c.close_now = true;
                }
            }
        }
        self.read_buf.set(read_buf);
        if !got && c.awaits_request() {
            // Nothing came (a fresh connection yet to send, a spurious
            // wakeup): an idle connection keeps no lent buffers.
            self.reclaim_buffers(c);
        }
        if c.peer_closed && c.linger_until.is_some() {
            c.close_now = true;
        }
        if got {
            c.new_data = true;
        }
        got
    }

    /// Sends what is queued until the socket would block; when a file body
    /// completes, ends its request and serves pipelined requests.
    pub fn flush(&self, c: ConnPtr<D>) {
        if c.with(write_out) {
            let keep = c.with(|c| c.file_keep_alive);
            http_session::end_request(self, c, keep);
        }
        self.process_pending(c);
        c.with(|c| {
            if c.is_idle() {
                self.reclaim_buffers(c);
            }
        });
    }

    /// The local address of an accepted connection.
    fn local_addr_of(&self, fd: i32) -> Option<std::net::SocketAddr> {
        self.listener_addr.get().or_else(|| sys::local_addr(fd))
    }

    /// Gives a connection that is about to receive a request warm buffers
    /// from the pool (the ones it lacks).
    fn lend_buffers(&self, c: &mut Connection<D>) {
        if c.recv.capacity() > 0 && c.send.capacity() > 0 && c.head.has_strings() {
            return;
        }
        let mut pool = self.pool.borrow_mut();
        if c.recv.capacity() == 0 {
            c.recv = pool.take_bytes();
        }
        if c.send.capacity() == 0 {
            c.send = pool.take_bytes();
        }
        if !c.head.has_strings() {
            if let Some(spare) = pool.take_head() {
                c.head.reuse(spare);
            }
        }
    }

    /// Takes back the request buffers of a connection between requests
    /// (nothing received or queued), so it idles holding only its record.
    pub fn reclaim_buffers(&self, c: &mut Connection<D>) {
        let mut pool = self.pool.borrow_mut();
        if c.recv.is_empty() {
            pool.give_bytes(std::mem::take(&mut c.recv));
            if let Some(strings) = c.head.release() {
                pool.give_head(strings);
            }
        }
        if !c.has_pending_output() {
            pool.give_bytes(std::mem::take(&mut c.send));
        }
    }

    /// Runs the request lifecycle again on input that was left waiting: a
    /// request ended outside `process_input` (from MG_POLL, a wakeup or
    /// iteration callback, or a finished file body), or replies were held
    /// back while too much output was queued.
    pub fn process_pending(&self, c: ConnPtr<D>) {
        let pending = c.with(|c| {
            c.input_pending && !c.close_now && c.pending_output().len() <= MAX_QUEUED_OUTPUT_TO_READ
        });
        if pending {
            http_session::process_input(self, c);
        }
    }

    /// Closes the connections marked `close_now` (`MG_CLOSE`, close the
    /// socket, free the record); returns whether there were any.
    pub fn sweep(&self) -> bool {
        if !self.conns.borrow().iter().any(|c| c.with(|c| c.close_now)) {
            return false;
        }
        let doomed: Vec<ConnPtr<D>> = self
            .conns
            .borrow()
            .iter()
            .copied()
            .filter(|c| c.with(|c| c.close_now))
            .collect();
        for &c in &doomed {
            let notify = c.with(|c| !std::mem::replace(&mut c.close_notified, true));
            if notify && self.has_handler() {
                self.call(c, Event::Close);
            }
        }
        self.remove_connections(&doomed);
        for c in doomed {
            c.with(|c| {
                self.recharge(c); // (0: close_now is set)
                c.transport.close();
                c.send.clear();
                c.send_pos = 0;
                c.recv.clear();
                // MG_CLOSE has run: nothing points into the buffers now.
                c.reset_request_fields();
                self.reclaim_buffers(c);
            });
            c.free();
        }
        true
    }
}

/// Answers a connection we will not serve `503` and closes it. What the
/// client has already sent (its request, usually) is read and dropped
/// before the close, so that the close does not turn into a reset that
/// destroys the answer.
fn refuse(fd: i32) {
    let _ = sys::send(fd, protocol::REFUSAL);
    sys::shutdown_write(fd);
    let mut scratch = [std::mem::MaybeUninit::<u8>::uninit(); 4096];
    for _ in 0..16 {
        if !matches!(sys::recv(fd, &mut scratch), Ok(n) if n > 0) {
            break;
        }
    }
    sys::close(fd);
}

/// Writes buffered output, then the file body, until the socket would
/// block. Returns true when a file body has just been sent completely.
pub fn write_out<D: Dialect>(c: &mut Connection<D>) -> bool {
    /// Most bytes handed to one `sendfile` call.
    const SENDFILE_CHUNK: usize = 1 << 20;
    let mut file_done = false;
    // Records the transport queued by itself (TLS handshake, alerts) first.
    match c.transport.flush() {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
        Err(_) => c.close_now = true,
    }
    // A reply head that a file body follows is sent with MSG_MORE, so the
    // two share their first segment; sendfile() itself marks all but its
    // last piece the same way. (TCP_CORK around the body did the same job
    // with two more system calls per reply and, measured on loopback with
    // 1 MiB files, cost 10-30% more server CPU per reply.)
    while !c.close_now {
        let writing = !c.pending_output().is_empty() || c.file.is_some();
        if writing && c.output_sent > 0 && !c.nodelay {
            // Nagle's algorithm can only hold a write back while earlier
            // output is unacknowledged, so it is switched off before the
            // second write, not at accept: a one-reply connection
            // (`Connection: close`) saves the system call.
            c.transport.set_nodelay();
            c.nodelay = true;
        }
        let result = if !c.pending_output().is_empty() {
            let more = c.file.is_some();
            c.transport
                .send(&c.send[c.send_pos..], more)
                .map(|n| c.consume_output(n))
        } else if let Some(body) = c.file.as_mut() {
            let count = body.remaining.min(SENDFILE_CHUNK as u64) as usize;
            match c.transport.send_file(&body.file, &mut body.offset, count) {
                // The file shrank under us: the reply cannot be completed.
                Ok(0) => Err(io::Error::from(io::ErrorKind::UnexpectedEof)),
                Ok(n) => {
                    body.remaining -= n as u64;
                    c.output_sent += n as u64;
                    if body.remaining == 0 {
                        c.file_keep_alive = body.keep_alive;
                        c.file = None;
                        file_done = true;
                    }
                    Ok(())
                }
                Err(e) => Err(e),
            }
        } else {
            break;
        };
        match result {
            Ok(()) => c.last_io = clock::now(),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => c.close_now = true,
        }
    }
    if c.stage == Stage::Closing
        && !c.has_pending_output()
        && !c.close_now
        && c.linger_until.is_none()
    {
        if c.peer_closed || !c.linger {
            c.close_now = true;
        } else {
            c.transport.shutdown_write();
            c.linger_until = Some(clock::now() + LINGER);
        }
    }
    file_done && !c.close_now
}
