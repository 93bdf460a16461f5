//! An analysis's bytes in and out, streamed: the upload goes to the parser
//! on a blocking thread as it arrives, and the report comes back to the
//! client as it is serialised, so neither is ever held whole.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::Stream;
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;

/// A piece of an upload: bytes, the end (`None`), or why it failed.
pub(super) type Piece = Result<Option<Bytes>, String>;

/// Reads, on the blocking thread the parser runs on, what the request
/// handler sends from the body; an error sent becomes a read error, and so
/// does a channel closed before the end (the request went away).
pub(super) struct ChannelReader {
    rx: mpsc::Receiver<Piece>,
    chunk: Bytes,
    ended: bool,
}

impl ChannelReader {
    /// A reader of what is sent on `rx`, ending at the end marker.
    pub(super) fn new(rx: mpsc::Receiver<Piece>) -> Self {
        ChannelReader {
            rx,
            chunk: Bytes::new(),
            ended: false,
        }
    }
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.chunk.is_empty() {
            if self.ended {
                return Ok(0);
            }
            match self.rx.blocking_recv() {
                None => return Err(std::io::Error::other("the upload was cut off")),
                Some(Ok(None)) => self.ended = true,
                Some(Ok(Some(c))) => self.chunk = c,
                Some(Err(e)) => return Err(std::io::Error::other(e)),
            }
        }
        let n = buf.len().min(self.chunk.len());
        buf[..n].copy_from_slice(&self.chunk.split_to(n));
        Ok(n)
    }
}

/// Bytes a response chunk holds before it is sent.
const CHUNK: usize = 64 * 1024;
/// The longest a chunk waits for the client to take the one before.
const SEND_IDLE: Duration = Duration::from_secs(30);
/// The longest a whole report may take to send.
const SEND_TOTAL: Duration = Duration::from_secs(300);

/// Writes a response body from a blocking thread, a chunk at a time; fails
/// once the client is gone or stops reading for [`SEND_IDLE`] (or takes
/// over [`SEND_TOTAL`] in all), which stops the serialiser and frees what
/// it holds.
pub(super) struct ChunkWriter {
    tx: mpsc::Sender<std::io::Result<Bytes>>,
    buf: Vec<u8>,
    idle: Duration,
    deadline: Instant,
}

impl ChunkWriter {
    /// A writer and the body stream that carries what it writes.
    pub(super) fn new() -> (Self, impl Stream<Item = std::io::Result<Bytes>>) {
        Self::with_limits(SEND_IDLE, SEND_TOTAL)
    }

    fn with_limits(
        idle: Duration,
        total: Duration,
    ) -> (Self, impl Stream<Item = std::io::Result<Bytes>>) {
        let (tx, rx) = mpsc::channel(8);
        let body = futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|chunk| (chunk, rx))
        });
        let w = ChunkWriter {
            tx,
            buf: Vec::with_capacity(CHUNK),
            idle,
            deadline: Instant::now() + total,
        };
        (w, body)
    }

    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let mut chunk = Ok(Bytes::from(std::mem::replace(
            &mut self.buf,
            Vec::with_capacity(CHUNK),
        )));
        let give_up = self.deadline.min(Instant::now() + self.idle);
        loop {
            match self.tx.try_send(chunk) {
                Ok(()) => return Ok(()),
                Err(TrySendError::Closed(_)) => {
                    return Err(std::io::Error::other("the client went away"))
                }
                Err(TrySendError::Full(c)) if Instant::now() < give_up => {
                    chunk = c;
                    std::thread::sleep(Duration::from_millis(2));
                }
                Err(TrySendError::Full(_)) => {
                    return Err(std::io::Error::other("the client stopped reading"))
                }
            }
        }
    }
}

impl Write for ChunkWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

/// Gives the memory of a finished analysis back to the system: glibc keeps
/// freed blocks of the blocking threads' arenas otherwise.
pub(super) fn release_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks and trims the allocator's free lists.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    #[test]
    fn a_reader_gets_the_chunks_in_order_and_then_the_end() {
        let (tx, rx) = mpsc::channel(4);
        tx.try_send(Ok(Some(Bytes::from_static(b"ab")))).unwrap();
        tx.try_send(Ok(Some(Bytes::from_static(b"cde")))).unwrap();
        tx.try_send(Ok(None)).unwrap();
        let mut s = String::new();
        ChannelReader::new(rx).read_to_string(&mut s).unwrap();
        assert_eq!(s, "abcde");
        let (tx, rx) = mpsc::channel(4);
        tx.try_send(Err("too slow".into())).unwrap();
        let e = ChannelReader::new(rx).read(&mut [0u8; 4]).unwrap_err();
        assert_eq!(e.to_string(), "too slow");
        // Closed before the end marker: the request went away mid-body.
        let (tx, rx) = mpsc::channel(4);
        tx.try_send(Ok(Some(Bytes::from_static(b"start_ms,"))))
            .unwrap();
        drop(tx);
        let mut s = String::new();
        let e = ChannelReader::new(rx).read_to_string(&mut s).unwrap_err();
        assert_eq!(e.to_string(), "the upload was cut off");
    }

    #[test]
    fn a_writer_sends_everything_in_chunks_and_fails_without_a_client() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let (mut w, body) = ChunkWriter::new();
        let writer = std::thread::spawn(move || {
            for _ in 0..3 {
                w.write_all(&[7u8; CHUNK]).unwrap();
            }
            w.write_all(b"end").unwrap();
            w.flush().unwrap();
        });
        let chunks: Vec<Bytes> = rt.block_on(body.map(Result::unwrap).collect());
        writer.join().unwrap();
        assert_eq!(chunks.iter().map(Bytes::len).sum::<usize>(), 3 * CHUNK + 3);
        let (mut w, body) = ChunkWriter::new();
        drop(body);
        assert!(w.write_all(&[0u8; CHUNK]).is_err());
        // A client that stops reading: the channel fills, then the writer
        // gives up instead of holding the report (and its slot) forever.
        let (mut w, _body) = ChunkWriter::with_limits(Duration::from_millis(50), SEND_TOTAL);
        let e = (0..100)
            .find_map(|_| w.write_all(&[0u8; CHUNK]).err())
            .expect("gives up");
        assert_eq!(e.to_string(), "the client stopped reading");
    }
}
