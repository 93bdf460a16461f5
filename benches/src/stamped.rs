//! A TCP stream that remembers when the kernel received the bytes it last
//! read (`SO_TIMESTAMPNS`).
//!
//! With 100 readers on the same two cores as the server, a frame can sit in
//! a reader's socket for hundreds of microseconds before the harness gets
//! to it. The kernel's receive stamp says when the server's frame reached
//! the client, which is the server's share of the latency; the time the
//! harness read it adds the client's own scheduling. The load report gives
//! both.

use std::io::{self, IoSliceMut};
use std::os::fd::AsRawFd;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::{SystemTime, UNIX_EPOCH};

use nix::sys::socket::{
    recvmsg, setsockopt, sockopt::ReceiveTimestampns, ControlMessageOwned, MsgFlags,
};
use nix::sys::time::TimeSpec;
use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};
use tokio::net::TcpStream;

/// A [`TcpStream`] whose reads record the kernel's receive time.
#[derive(Debug)]
pub struct StampedStream {
    tcp: TcpStream,
    cmsg: Vec<u8>,
    /// Wall-clock ns of the newest receive stamp, 0 before the first.
    last_rx_ns: u64,
}

impl StampedStream {
    /// Turns on receive stamps for `tcp`.
    pub fn new(tcp: TcpStream) -> io::Result<Self> {
        setsockopt(&tcp, ReceiveTimestampns, &true).map_err(io::Error::from)?;
        Ok(Self {
            tcp,
            cmsg: nix::cmsg_space!(TimeSpec),
            last_rx_ns: 0,
        })
    }

    /// How long ago, in ns, the kernel received the bytes of the latest
    /// read, or `None` if that read carried no stamp (Linux turns stamping
    /// on for the whole stack a moment after the first socket asks, so the
    /// first bytes of a run may have none).
    ///
    /// On TCP the stamp is that of the newest segment the read took (and
    /// the kernel merges queued segments keeping the newest time), so for
    /// a read of several frames it is the last one's arrival: an upper
    /// bound on when the earlier ones arrived. Both ends are wall-clock
    /// time, so a clock step between the arrival and this call skews the
    /// age by the step.
    pub fn rx_age_ns(&self) -> Option<u64> {
        if self.last_rx_ns == 0 {
            return None;
        }
        let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?;
        Some((now.as_nanos() as u64).saturating_sub(self.last_rx_ns))
    }
}

/// One `recvmsg`: bytes read and the receive stamp, if the kernel sent one.
fn recv_stamped(fd: i32, buf: &mut [u8], cmsg: &mut Vec<u8>) -> io::Result<(usize, Option<u64>)> {
    let mut iov = [IoSliceMut::new(buf)];
    let msg = recvmsg::<()>(fd, &mut iov, Some(cmsg), MsgFlags::empty())?;
    // The bytes are already out of the socket: control data that cannot be
    // read (truncated) costs the stamp, never the bytes.
    let stamp = msg.cmsgs().ok().and_then(|cmsgs| {
        cmsgs
            .filter_map(|c| match c {
                ControlMessageOwned::ScmTimestampns(ts) => {
                    Some(ts.tv_sec() as u64 * 1_000_000_000 + ts.tv_nsec() as u64)
                }
                _ => None,
            })
            .last()
    });
    Ok((msg.bytes, stamp))
}

impl AsyncRead for StampedStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let Self {
            tcp,
            cmsg,
            last_rx_ns,
        } = self.get_mut();
        let fd = tcp.as_raw_fd();
        loop {
            ready!(tcp.poll_read_ready(cx))?;
            let unfilled = buf.initialize_unfilled();
            match tcp.try_io(Interest::READABLE, || recv_stamped(fd, unfilled, cmsg)) {
                Ok((n, stamp)) => {
                    // A read without a stamp must not keep an older one,
                    // which would make its bytes look earlier than they were.
                    *last_rx_ns = stamp.unwrap_or(0);
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

impl AsyncWrite for StampedStream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, b: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().tcp).poll_write(cx, b)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn a_read_carries_the_kernel_receive_stamp() -> io::Result<()> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let mut client = StampedStream::new(TcpStream::connect(addr).await?)?;
        assert_eq!(client.rx_age_ns(), None, "no stamp before a read");
        let (mut server, _) = listener.accept().await?;
        // The kernel enables stamping from a deferred work item, so the
        // first few bytes may come without one; a bounded number of tries.
        let mut age = None;
        for _ in 0..50 {
            server.write_all(b"x").await?;
            // The bytes sit in the socket, so the stamp is older than the read.
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            let mut got = [0u8; 1];
            client.read_exact(&mut got).await?;
            assert_eq!(&got, b"x");
            age = client.rx_age_ns();
            if age.is_some() {
                break;
            }
        }
        let age = age.expect("a read carried a stamp within 50 tries");
        assert!(
            (15_000_000..5_000_000_000).contains(&age),
            "the stamp is when the bytes arrived, not when they were read: {age} ns"
        );
        client.write_all(b"back").await?;
        let mut back = [0u8; 4];
        server.read_exact(&mut back).await?;
        assert_eq!(&back, b"back");
        Ok(())
    }
}
