// The GraphQL IDE at / and /graphiql: GraphiQL 5 with the query builder
// (explorer plugin), the schema's documentation and the history, talking to
// the same-origin /graphql endpoint.
import './workers.js';
import 'graphiql/style.css';
import '@graphiql/plugin-explorer/style.css';
import '../shared/base.css';
import './ide.css';

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL, HISTORY_PLUGIN } from 'graphiql';
import { explorerPlugin } from '@graphiql/plugin-explorer';
import { createGraphiQLFetcher } from '@graphiql/toolkit';

import { EXAMPLES } from './examples.js';

const fetcher = createGraphiQLFetcher({ url: '/graphql' });
const explorer = explorerPlugin({ showAttribution: false });
const plugins = [HISTORY_PLUGIN, explorer];

// A link such as /graphiql?query=... (the explorer's "open in the IDE")
// opens that query in a tab of its own.
const params = new URLSearchParams(window.location.search);
const shared = params.get('query') ?? undefined;
const sharedVariables = params.get('variables') ?? undefined;
const defaultTabs = shared
  ? [{ query: shared, variables: sharedVariables }, ...EXAMPLES]
  : EXAMPLES;

// The query builder opens beside the editors where there is room for it;
// on a phone the IDE opens on the editors, whatever was open last time.
const roomy = window.matchMedia('(min-width: 1500px)').matches;
if (window.matchMedia('(max-width: 640px)').matches) {
  try {
    window.localStorage.setItem('graphiql:visiblePlugin', '');
  } catch {
    // No storage: nothing was remembered either.
  }
}

function App() {
  return (
    <GraphiQL
      fetcher={fetcher}
      plugins={plugins}
      defaultTabs={defaultTabs}
      initialQuery={shared}
      initialVariables={sharedVariables}
      visiblePlugin={roomy ? explorer : undefined}
      defaultEditorToolsVisibility={false}
    >
      <GraphiQL.Logo>
        <a className="ide-logo-link" href="/explore">
          Graph explorer →
        </a>
      </GraphiQL.Logo>
    </GraphiQL>
  );
}

const root = document.getElementById('graphiql');
root.replaceChildren();
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
