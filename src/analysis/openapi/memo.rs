//! The schema memo: which arena id a schema pointer already has. Keyed by a
//! 64-bit hash of the pointer, not the pointer itself, so the memo holds no
//! copy of the pointer strings (the arena's locs already do; on a large spec
//! these copies were half a megabyte). A hit is checked against the arena
//! entry's pointer, and the rare pointers whose hash is taken by another
//! pointer go to an exact map: the memo answers exactly as a map of strings.

use std::hash::BuildHasher;

use foldhash::{HashMap, HashMapExt};

use super::model::{Schema, SchemaId};

pub struct SchemaMemo {
    hasher: foldhash::fast::FixedState,
    by_hash: HashMap<u64, SchemaId>,
    collisions: HashMap<String, SchemaId>,
}

impl SchemaMemo {
    pub fn new() -> Self {
        Self {
            hasher: foldhash::fast::FixedState::default(),
            by_hash: HashMap::new(),
            collisions: HashMap::new(),
        }
    }

    /// The id recorded for `ptr`; `schemas` is the arena the ids index.
    pub fn get(&self, ptr: &str, schemas: &[Schema]) -> Option<SchemaId> {
        let id = *self.by_hash.get(&self.hasher.hash_one(ptr))?;
        if schemas.get(id).is_some_and(|s| s.loc.pointer == ptr) {
            return Some(id);
        }
        self.collisions.get(ptr).copied()
    }

    /// Records `id` for `ptr` (whose arena entry must carry `ptr` as its pointer).
    pub fn insert(&mut self, ptr: &str, id: SchemaId) {
        match self.by_hash.entry(self.hasher.hash_one(ptr)) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(id);
            }
            std::collections::hash_map::Entry::Occupied(_) => {
                self.collisions.insert(ptr.to_string(), id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::openapi::model::Loc;

    fn schema(ptr: &str) -> Schema {
        Schema {
            loc: Loc::new(1, ptr),
            ..Schema::default()
        }
    }

    #[test]
    fn answers_like_a_map_of_pointers() {
        let schemas = vec![schema("/a"), schema("/b")];
        let mut memo = SchemaMemo::new();
        assert_eq!(memo.get("/a", &schemas), None);
        memo.insert("/a", 0);
        memo.insert("/b", 1);
        assert_eq!(memo.get("/a", &schemas), Some(0));
        assert_eq!(memo.get("/b", &schemas), Some(1));
        assert_eq!(memo.get("/c", &schemas), None);
    }

    #[test]
    fn a_taken_hash_falls_back_to_the_exact_map() {
        // Simulate a collision: "/b" recorded under the hash slot of "/a".
        let schemas = vec![schema("/a"), schema("/b")];
        let mut memo = SchemaMemo::new();
        memo.insert("/a", 0);
        let slot = memo.hasher.hash_one("/a");
        memo.by_hash.insert(slot, 0);
        memo.collisions.insert("/b".into(), 1);
        assert_eq!(memo.get("/a", &schemas), Some(0));
        assert_eq!(memo.collisions.get("/b"), Some(&1));
        // A pointer whose hash slot holds another pointer's id is not confused with it.
        let mut other = SchemaMemo::new();
        other.by_hash.insert(other.hasher.hash_one("/b"), 0);
        assert_eq!(other.get("/b", &schemas), None);
    }
}
