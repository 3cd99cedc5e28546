//! Log lines from CloudWatch Logs or the demo replay, kept in bounded buffers;
//! the parsers of each source (`access`, `execution`, `flow`, `lambda`, one
//! entry point in `parsed`) and the pure correlation of a parsed line to the
//! hops it is evidence for (`correlate`); which log groups hold a trace's evidence (`groups`) and
//! the polling tail of one group (`tail`).

pub mod access;
pub mod correlate;
pub mod evidence;
pub mod execution;
pub mod flow;
pub mod follow;
pub mod groups;
pub mod lambda;
pub mod parsed;
pub mod replay;
pub mod tail;

pub use parsed::{parse_line, Formats, Parsed};

use std::collections::VecDeque;
use std::time::SystemTime;

/// Where a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SourceKind {
    /// API Gateway access log.
    Access,
    /// API Gateway execution log.
    Execution,
    /// VPC flow log.
    Flow,
    /// Lambda function log.
    Lambda,
}

impl SourceKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            SourceKind::Access => "access",
            SourceKind::Execution => "execution",
            SourceKind::Flow => "flow",
            SourceKind::Lambda => "lambda",
        }
    }
    pub fn parse(s: &str) -> Option<SourceKind> {
        match s {
            "access" => Some(SourceKind::Access),
            "execution" => Some(SourceKind::Execution),
            "flow" => Some(SourceKind::Flow),
            "lambda" => Some(SourceKind::Lambda),
            _ => None,
        }
    }
    pub const ALL: [SourceKind; 4] = [
        SourceKind::Access,
        SourceKind::Execution,
        SourceKind::Flow,
        SourceKind::Lambda,
    ];
}

#[derive(Debug, Clone)]
pub struct LogLine {
    pub source: SourceKind,
    /// The log group it came from.
    pub group: String,
    pub at: SystemTime,
    pub text: String,
    /// The hop this line belongs to, once correlated (the one it
    /// contradicts, else the furthest along the path it speaks for).
    pub hop: Option<crate::trace::HopId>,
    /// Every hop it is evidence for.
    pub hops: Vec<crate::trace::HopId>,
}

impl LogLine {
    /// Whether the line is evidence for `hop`.
    pub fn speaks_for(&self, hop: crate::trace::HopId) -> bool {
        self.hop == Some(hop) || self.hops.contains(&hop)
    }
}

/// A ring buffer of log lines that remembers how many it has dropped.
#[derive(Debug)]
pub struct LogBuffer {
    lines: VecDeque<LogLine>,
    capacity: usize,
    /// Lines ever pushed (the index of the next line).
    total: u64,
}

impl LogBuffer {
    pub fn new(capacity: usize) -> LogBuffer {
        LogBuffer {
            lines: VecDeque::with_capacity(capacity.min(4096)),
            capacity: capacity.max(1),
            total: 0,
        }
    }
    pub fn push(&mut self, line: LogLine) {
        if self.lines.len() == self.capacity {
            self.lines.pop_front();
        }
        self.lines.push_back(line);
        self.total += 1;
    }
    pub fn len(&self) -> usize {
        self.lines.len()
    }
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
    pub fn total(&self) -> u64 {
        self.total
    }
    /// Sequence number of the oldest line still held.
    pub fn first_seq(&self) -> u64 {
        self.total - self.lines.len() as u64
    }
    pub fn get(&self, i: usize) -> Option<&LogLine> {
        self.lines.get(i)
    }
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &LogLine> + ExactSizeIterator {
        self.lines.iter()
    }
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut LogLine> {
        self.lines.iter_mut()
    }
    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(i: usize) -> LogLine {
        LogLine {
            source: SourceKind::Access,
            group: "g".into(),
            at: SystemTime::UNIX_EPOCH,
            text: i.to_string(),
            hop: None,
            hops: Vec::new(),
        }
    }

    #[test]
    fn ring_buffer_keeps_the_newest() {
        let mut b = LogBuffer::new(3);
        for i in 0..5 {
            b.push(line(i));
        }
        assert_eq!(b.len(), 3);
        assert_eq!(b.total(), 5);
        assert_eq!(b.first_seq(), 2);
        let texts: Vec<&str> = b.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["2", "3", "4"]);
    }
}
