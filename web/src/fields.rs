//! DOM ids of the plan's fields. Labels, units and help live in the core's
//! registry, next to the formulas.

/// The DOM id of a field: its path with dots as dashes (no CSS escaping).
pub fn dom_id(path: &str) -> String {
    path.replace('.', "-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_paths_with_dashes() {
        assert_eq!(dom_id("amps.memory.clients"), "amps-memory-clients");
    }
}
