// Monaco (the editor inside GraphiQL 5) runs its language services in web
// workers. Under Vite a worker must be imported with `?worker` so that it is
// bundled as its own file under /assets/, served by civgraph like every
// other asset: no worker is fetched from a CDN or built from a blob of
// remote code. (graphiql/setup-workers/vite does the same, but logs every
// worker it starts to the console.)
import EditorWorker from 'monaco-editor/esm/vs/editor/editor.worker.js?worker';
import JsonWorker from 'monaco-editor/esm/vs/language/json/json.worker.js?worker';
import GraphQLWorker from 'monaco-graphql/esm/graphql.worker.js?worker';

globalThis.MonacoEnvironment = {
  getWorker(_workerId, label) {
    switch (label) {
      case 'json':
        return new JsonWorker();
      case 'graphql':
        return new GraphQLWorker();
      default:
        return new EditorWorker();
    }
  },
};
