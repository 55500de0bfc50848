//! A TCP relay between the browser and the static server that can fail the
//! way a network does: once cut, open connections are reset and new ones
//! refused. (Chromium's own offline emulation does not reach a page's
//! service worker, so it cannot show that the site works offline.)

use std::io::ErrorKind;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

pub struct Relay {
    pub port: u16,
    cut: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<TcpStream>>>,
    accept: Option<JoinHandle<()>>,
}

impl Relay {
    /// Listens on a free loopback port and relays to 127.0.0.1:`upstream`.
    pub fn start(upstream: u16) -> std::io::Result<Relay> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let port = listener.local_addr()?.port();
        let cut = Arc::new(AtomicBool::new(false));
        let open: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (cut2, open2) = (Arc::clone(&cut), Arc::clone(&open));
        let accept = std::thread::spawn(move || {
            for client in listener.incoming() {
                if cut2.load(Ordering::SeqCst) {
                    // The listener is dropped here: later connections are refused.
                    return;
                }
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else { continue };
                let mut open = open2.lock().unwrap();
                for s in [&client, &server] {
                    if let Ok(s) = s.try_clone() {
                        open.push(s);
                    }
                }
                pipe(&client, &server);
                pipe(&server, &client);
            }
        });
        Ok(Relay { port, cut, open, accept: Some(accept) })
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// Cuts the network: resets every open connection, refuses new ones.
    pub fn cut(&mut self) {
        self.cut.store(true, Ordering::SeqCst);
        // Wakes the accept loop, which then closes the listener.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
        for s in self.open.lock().unwrap().drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.cut();
    }
}

/// Copies `from` to `to` in a thread until either side closes.
fn pipe(from: &TcpStream, to: &TcpStream) {
    let (Ok(mut from), Ok(mut to)) = (from.try_clone(), to.try_clone()) else { return };
    std::thread::spawn(move || {
        if let Err(e) = std::io::copy(&mut from, &mut to) {
            if e.kind() != ErrorKind::NotConnected {
                let _ = to.shutdown(Shutdown::Both);
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    });
}
