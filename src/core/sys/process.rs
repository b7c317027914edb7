//! Process-wide state: ignoring SIGPIPE and dropping privileges
//! (`run_as_user`). Errors are this file's own `RunAsUserError`; the
//! option layer turns them into its messages. Threads' locks are in
//! `lock.rs`.

/// Why `run_as_user` failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunAsUserError {
    /// No such user (or a name with a NUL byte).
    UnknownUser,
    SetgidFailed,
    SetuidFailed,
}

/// Ignores SIGPIPE process-wide, as Mongoose 5.4's `mg_create_server` does.
pub fn ignore_sigpipe() {
    // SAFETY: installing SIG_IGN is always sound.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
}

/// Drops privileges to `user` (getpwnam, setgid, setuid), as 5.4's
/// `run_as_user` option does.
pub fn run_as_user(user: &[u8]) -> Result<(), RunAsUserError> {
    let name = std::ffi::CString::new(user).map_err(|_| RunAsUserError::UnknownUser)?;
    // SAFETY: `name` is a valid C string; getpwnam returns NULL or a
    // pointer to static storage that we read immediately.
    let pw = unsafe { libc::getpwnam(name.as_ptr()) };
    if pw.is_null() {
        return Err(RunAsUserError::UnknownUser);
    }
    // SAFETY: `pw` is non-NULL and points at a valid passwd record.
    let (uid, gid) = unsafe { ((*pw).pw_uid, (*pw).pw_gid) };
    // SAFETY: plain syscalls.
    if unsafe { libc::setgid(gid) } != 0 {
        return Err(RunAsUserError::SetgidFailed);
    }
    // SAFETY: plain syscall.
    if unsafe { libc::setuid(uid) } != 0 {
        return Err(RunAsUserError::SetuidFailed);
    }
    Ok(())
}

/// Sends `signal` to the process group `pgid` (a child spawned as the
/// leader of its own group). Errors (the group is gone) are ignored.
pub fn kill_process_group(pgid: u32, signal: libc::c_int) {
    let Ok(pgid) = libc::pid_t::try_from(pgid) else {
        return;
    };
    if pgid > 1 {
        // SAFETY: kill() has no memory effects; a negative id names a group.
        unsafe { libc::kill(-pgid, signal) };
    }
}
