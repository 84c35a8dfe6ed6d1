// The ready-made queries the IDE opens with, one tab each (GraphiQL names a
// tab after its operation).

const whoLeads = `# Who leads a group, and from which organisation?
# The DPI thematic group's leaders, and the leaders
# of each of its working groups with their employers.
# Run it with Ctrl-Enter or the ▶ button.
query WhoLeadsAGroup {
  entity(id: "group:tg-digital-public-infrastructure") {
    name
    ... on Group {
      leaders {
        role
        leader { id name }
      }
      subgroups {
        edges {
          node {
            name
            leaders {
              role
              leader {
                name
                ... on Person {
                  affiliations { role organisation { name } }
                }
              }
            }
          }
        }
      }
    }
  }
}
`;

const path = `# How are two people connected? The shortest chain
# of relations between them, either way, with the
# passage of the report that states each link.
query PathBetweenTwoPeople {
  shortestPath(from: "person:okan-geray", to: "person:leyi-zhang") {
    length
    nodes { id name kind }
    relations {
      type
      role
      from { name }
      to { name }
      sources { quote }
    }
  }
}
`;

const search = `# Search names, acronyms and descriptions: case-,
# accent- and punctuation-insensitive; word prefixes
# and a typo in a longer word are fine.
query Search($text: String! = "unece") {
  search(query: $text, first: 5) {
    score
    entity {
      id
      name
      kind
      description
    }
  }
}
`;

export const EXAMPLES = [
  { query: whoLeads },
  { query: path },
  { query: search, variables: '{\n  "text": "unece"\n}' },
];
