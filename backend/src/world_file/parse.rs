//! Reading a world file (YAML, or JSON, which YAML reads too) into its
//! document, and knowing which line each key and list entry is on, so every
//! refusal names the line a person edits.

use super::{WorldProblem, sentence};
use airlock_domain::world_file::{Place, WorldDocument};
use std::collections::HashMap;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// The line (from 1) of each place the file writes.
#[derive(Debug, Default)]
pub(crate) struct Lines(HashMap<Place, usize>);

impl Lines {
    /// The line of `place`, or of the nearest enclosing place the file
    /// writes (a missing key is reported at its object).
    pub fn of(&self, place: &Place) -> Option<usize> {
        let mut place = place.clone();
        loop {
            if let Some(line) = self.0.get(&place) {
                return Some(*line);
            }
            if place.0.is_empty() {
                return None;
            }
            place = place.parent();
        }
    }

    pub fn problem(&self, place: &Place, message: impl Into<String>) -> WorldProblem {
        WorldProblem { line: self.of(place), place: place.to_string(), message: message.into() }
    }
}

/// A mapping waits for a key, then its value; a list counts its entries.
enum Frame {
    Map { place: Place, key: Option<String> },
    List { place: Place, next: usize },
}

#[derive(Default)]
struct Locator {
    stack: Vec<Frame>,
    lines: HashMap<Place, usize>,
}

impl Locator {
    /// Where the node starting now sits, recording its line; `None` for a mapping key.
    fn place_of_node(&mut self, line: usize) -> Option<Place> {
        let place = match self.stack.last_mut() {
            None => Place::root(),
            Some(Frame::List { place, next }) => {
                *next += 1;
                place.index(*next - 1)
            }
            Some(Frame::Map { key: None, .. }) => return None,
            Some(Frame::Map { place, key: Some(key) }) => {
                let child = place.key(key);
                // The key's own line stays the value's line (`name:` then a block below).
                self.stack.last_mut().into_iter().for_each(|f| {
                    if let Frame::Map { key, .. } = f {
                        *key = None;
                    }
                });
                return Some(child);
            }
        };
        self.lines.entry(place.clone()).or_insert(line);
        Some(place)
    }
}

impl MarkedEventReceiver for Locator {
    fn on_event(&mut self, event: Event, mark: Marker) {
        let line = mark.line();
        match event {
            Event::Scalar(value, ..) => {
                if let Some(Frame::Map { place, key: key @ None }) = self.stack.last_mut() {
                    self.lines.entry(place.key(&value)).or_insert(line);
                    *key = Some(value);
                } else {
                    self.place_of_node(line);
                }
            }
            Event::Alias(_) => {
                self.place_of_node(line);
            }
            Event::MappingStart(..) => {
                let place = self.place_of_node(line).unwrap_or_else(Place::root);
                self.stack.push(Frame::Map { place, key: None });
            }
            Event::SequenceStart(..) => {
                let place = self.place_of_node(line).unwrap_or_else(Place::root);
                self.stack.push(Frame::List { place, next: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

/// The document in `text`, with its lines; or what is wrong, with the line.
pub(crate) fn parse(text: &str) -> Result<(WorldDocument, Lines), Vec<WorldProblem>> {
    let mut locator = Locator::default();
    if let Err(e) = Parser::new_from_str(text).load(&mut locator, false) {
        let line = e.marker().line();
        return Err(vec![WorldProblem { line: Some(line), place: String::new(), message: format!("This is not YAML: {}.", e.info()) }]);
    }
    let lines = Lines(locator.lines);
    match serde_yaml::from_str::<WorldDocument>(text) {
        Ok(document) => Ok((document, lines)),
        Err(e) => {
            let line = e.location().map(|l| l.line());
            // serde_yaml's words name the key path and the expected keys; its
            // own "at line N column M" is dropped: the line is given apart.
            let message = e.to_string();
            let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
            let (place, message) = match message.split_once(": ") {
                Some((place, rest)) if !place.contains(' ') => (place.to_owned(), rest.to_owned()),
                _ => (String::new(), message),
            };
            Err(vec![WorldProblem { line, place, message: sentence(&message) }])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "environments:
  - name: staging
    protected: false
  - name: production
    protected: true
    required_approvals: 2
regions:
  - name: frankfurt
    display_name: Frankfurt
clusters: []
services: []
tenants:
  - slug: acme
    name: Acme Corp
    primary_region: frankfurt
    data_residency: eu
    allowed_regions: [frankfurt]
";

    #[test]
    fn every_key_and_entry_is_found_on_its_line() {
        let (document, lines) = parse(FILE).expect("a world file");
        assert_eq!(document.environments[1].required_approvals, Some(2));
        let at = |steps: &str| {
            let place = steps.split('.').fold(Place::root(), |p, s| match s.parse::<usize>() {
                Ok(i) => p.index(i),
                Err(_) => p.key(s),
            });
            lines.of(&place)
        };
        assert_eq!(at("environments.1.required_approvals"), Some(6));
        assert_eq!(at("environments.1"), Some(4));
        assert_eq!(at("regions.0.name"), Some(8));
        assert_eq!(at("tenants.0.allowed_regions.0"), Some(17));
        // A key the file does not write is found at its object.
        assert_eq!(at("environments.0.required_approvals"), Some(2));
    }

    #[test]
    fn an_unknown_key_is_refused_with_its_line() {
        let file = FILE.replace("    protected: false\n", "    protected: false\n    approvals: 2\n");
        let problems = parse(&file).expect_err("refused");
        assert_eq!(problems[0].line, Some(4));
        assert_eq!(problems[0].place, "environments[0]");
        assert!(problems[0].message.starts_with("Unknown field `approvals`"), "{}", problems[0].message);
    }

    #[test]
    fn json_is_read_too() {
        let json = r#"{"environments": [], "regions": [{"name": "frankfurt", "display_name": "Frankfurt"}],
            "clusters": [], "services": [], "tenants": []}"#;
        let (document, _) = parse(json).expect("JSON is YAML");
        assert_eq!(document.regions[0].display_name, "Frankfurt");
    }
}
