//! Line numbers of the nodes near a document's root.
//!
//! Objects sit at most three levels below a document's root (a List inside a
//! container key: `key → items → element`), so the parsers record the line
//! of every node down to that depth and no further.

use std::collections::HashMap;

/// Nodes deeper than this carry no line (the root is depth 0).
pub const LINE_DEPTH: usize = 3;
/// Mappings this deep or deeper do not record their children's lines: a
/// mapping at depth 2 is an object (or a List's element), never a container.
pub const MAP_KIDS_DEPTH: usize = 2;

/// The 1-based line where a node starts, and the lines of its children.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineNode {
    pub line: usize,
    pub kids: Kids,
}

/// Children of a node, in document order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Kids {
    #[default]
    None,
    Seq(Vec<LineNode>),
    Map(Vec<(String, LineNode)>),
}

impl LineNode {
    pub fn leaf(line: usize) -> Self {
        LineNode {
            line,
            kids: Kids::None,
        }
    }

    /// The children of a sequence (empty for anything else).
    pub fn into_seq(self) -> Vec<LineNode> {
        match self.kids {
            Kids::Seq(v) => v,
            _ => Vec::new(),
        }
    }

    /// The children of a mapping by key (the last wins, as in the value).
    pub fn into_map(self) -> HashMap<String, LineNode> {
        match self.kids {
            Kids::Map(v) => v.into_iter().collect(),
            _ => HashMap::new(),
        }
    }

    /// The child under `key` of a mapping.
    pub fn take_key(self, key: &str) -> Option<LineNode> {
        match self.kids {
            Kids::Map(v) => v.into_iter().rev().find(|(k, _)| k == key).map(|(_, n)| n),
            _ => None,
        }
    }
}
