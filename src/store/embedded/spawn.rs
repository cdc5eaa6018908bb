//! Starting the `redis-server` child so that it holds the data dir's lock
//! itself and dies with this process (see the parent module).

use std::fs::File;
use std::io;
use std::process::{Child, Command};
use std::sync::OnceLock;
use std::sync::mpsc;

/// The child inherits `lock` (so the server itself holds the dir), gets its
/// own process group (a Ctrl-C in the terminal reaches Faultline, which
/// stops the server last, not the server first), umask 077 (its AOF files
/// and dirs are its owner's only) and, on Linux, SIGTERM when the thread
/// that spawned it ends: `spawn_from_lasting_thread` makes that the end of
/// the process, however it ends.
pub(super) fn hand_over_lock_and_die_with_parent(cmd: &mut Command, lock: &File) {
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        use std::os::unix::process::CommandExt;
        let fd = lock.as_raw_fd();
        #[cfg(target_os = "linux")]
        let parent = std::process::id() as libc::pid_t;
        cmd.process_group(0);
        // SAFETY: between fork and exec only async-signal-safe calls
        // (umask, fcntl, prctl, getppid) and no allocation.
        unsafe {
            cmd.pre_exec(move || {
                libc::umask(0o077);
                if libc::fcntl(fd, libc::F_SETFD, 0) == -1 {
                    return Err(io::Error::last_os_error());
                }
                #[cfg(target_os = "linux")]
                {
                    if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) == -1 {
                        return Err(io::Error::last_os_error());
                    }
                    // The parent died before the line above: do not outlive it.
                    if libc::getppid() != parent {
                        return Err(io::Error::from_raw_os_error(libc::ESRCH));
                    }
                }
                Ok(())
            });
        }
    }
    #[cfg(not(unix))]
    let _ = (cmd, lock);
}

type SpawnRequest = (Command, mpsc::Sender<io::Result<Child>>);

/// Spawns `cmd` from a thread that lives as long as the process: Linux's
/// parent-death signal fires when the spawning *thread* exits, and the
/// caller may be a runtime worker or a test thread that ends early.
pub(super) fn spawn_from_lasting_thread(cmd: Command) -> io::Result<Child> {
    static SPAWNER: OnceLock<Option<mpsc::Sender<SpawnRequest>>> = OnceLock::new();
    let spawner = SPAWNER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<SpawnRequest>();
        std::thread::Builder::new()
            .name("redis-spawner".into())
            .spawn(move || {
                for (mut cmd, reply) in rx {
                    let _ = reply.send(cmd.spawn());
                }
            })
            .ok()
            .map(|_| tx)
    });
    let Some(spawner) = spawner else {
        return Err(io::Error::other("cannot start the redis-spawner thread"));
    };
    let (reply, answer) = mpsc::channel();
    spawner
        .send((cmd, reply))
        .map_err(|_| io::Error::other("the redis-spawner thread is gone"))?;
    answer
        .recv()
        .map_err(|_| io::Error::other("the redis-spawner thread is gone"))?
}
