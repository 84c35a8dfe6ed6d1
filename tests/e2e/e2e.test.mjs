// civgraph's web UI in a real browser: Debian's headless Chromium, driven
// by playwright-core, against the civgraph binary on a free local port.
// Every request to anything but civgraph is blocked, and a test fails if a
// page needed one. Screenshots of each view go to target/e2e-screenshots/.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { chromium } from 'playwright-core';

import { REPO, startCivgraph } from './civgraph.mjs';

const SHOTS = path.join(REPO, 'target', 'e2e-screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const LAPTOP = { width: 1366, height: 768 };
const PHONE = { width: 390, height: 844 };

let server;
let context;
let userDataDir;
/** Requests to anything but civgraph (all blocked). */
const outside = [];

before(async () => {
  await mkdir(SHOTS, { recursive: true });
  server = await startCivgraph();
  userDataDir = await mkdtemp(path.join(os.tmpdir(), 'civgraph-e2e-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: LAPTOP,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url === server.origin || url.startsWith(`${server.origin}/`)) return route.continue();
    outside.push(url);
    return route.abort('blockedbyclient');
  });
});

after(async () => {
  await context?.close();
  await server?.stop();
  if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
});

/**
 * A new page that records what went wrong on it: script errors, console
 * errors (a Content-Security-Policy violation is one), failed civgraph
 * requests and error statuses.
 */
async function open(pathname, viewport = LAPTOP) {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  const problems = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('requestfailed', (req) => {
    if (req.url().startsWith(server.origin)) problems.push(`failed: ${req.url()} ${req.failure()?.errorText}`);
  });
  page.on('response', (res) => {
    if (res.url().startsWith(server.origin) && res.status() >= 400) problems.push(`${res.status()}: ${res.url()}`);
  });
  page.problems = problems;
  await page.goto(server.origin + pathname);
  return page;
}

async function done(page) {
  const problems = page.problems;
  await page.close();
  assert.deepEqual(problems, [], 'the page had problems');
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

async function gql(query) {
  const res = await fetch(`${server.origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  const body = await res.json();
  assert.equal(body.errors, undefined);
  return body.data;
}

const timings = (page) => page.evaluate(() => window.__civgraph.timings);
const shown = (page) => page.evaluate(() => window.__civgraph.shown());

/**
 * Waits until the explorer has shown the view of its URL: the latest view
 * it started is fetched and drawn. (Every navigation below starts its view
 * at once: a click on a link or on the drawing.)
 */
async function viewShown(page) {
  await page.waitForFunction(() => window.__civgraph?.renders.at(-1)?.outcome === 'done');
}

/** How the explorer's views beginning with `prefix` ended, oldest first (null: still under way). */
const outcomes = (page, prefix) =>
  page.evaluate((p) => window.__civgraph.renders.filter((r) => r.url.startsWith(p)).map((r) => r.outcome), prefix);

/**
 * Holds back civgraph's answers to the GraphQL requests that `match`
 * ({query, variables}) until `release()`, which resolves once the first
 * held answer reached the page. `requested` resolves when the first is asked.
 */
async function holdAnswers(page, match) {
  let release;
  const released = new Promise((resolve) => {
    release = resolve;
  });
  let asked;
  const requested = new Promise((resolve) => {
    asked = resolve;
  });
  let heldRequest = null;
  await page.route('**/graphql', async (route) => {
    const body = route.request().postDataJSON();
    if (body && match(body)) {
      heldRequest ??= route.request();
      asked();
      await released;
    }
    await route.continue();
  });
  const answered = requested.then(() => page.waitForResponse((res) => res.request() === heldRequest));
  return {
    requested,
    release: async () => {
      release();
      await answered;
      await page.unroute('**/graphql');
    },
  };
}

async function clickEntity(page, id) {
  const p = await page.evaluate((x) => window.__civgraph.nodePosition(x), id);
  assert.ok(p, `${id} is drawn`);
  await page.mouse.click(p.x, p.y);
}

// ---- the IDE ----

test('the IDE at / is GraphiQL with the example queries, docs, history and the query builder', async () => {
  const page = await open('/');
  await page.locator('.graphiql-container').waitFor();
  const tabs = page.locator('.graphiql-tab');
  await assert.doesNotReject(() => tabs.nth(2).waitFor());
  const names = await tabs.allInnerTexts();
  assert.deepEqual(
    names.map((n) => n.trim()),
    ['WhoLeadsAGroup', 'PathBetweenTwoPeople', 'Search'],
  );
  // A visible way to the explorer.
  await page.getByRole('link', { name: /graph explorer/i }).first().waitFor();

  // The schema's documentation.
  await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
  await page.locator('.graphiql-doc-explorer').getByText('Query', { exact: true }).first().waitFor();
  await shot(page, 'ide-docs');
  // The query builder.
  await page.getByRole('button', { name: 'Show GraphiQL Explorer' }).click();
  await page.locator('.graphiql-explorer-root, .docExplorerWrap').first().waitFor();
  await page.getByText('shortestPath').first().waitFor();
  await shot(page, 'ide-query-builder');
  // The history.
  await page.getByRole('button', { name: 'Show History' }).click();
  await page.locator('.graphiql-history').waitFor();
  await done(page);
});

test('a query typed into the IDE returns data', async () => {
  const page = await open('/');
  await page.locator('.graphiql-tab').nth(2).waitFor();
  const response = page.locator('.graphiql-response');
  // The first example, as it opens.
  await page.locator('.graphiql-query-editor').getByText('WhoLeadsAGroup').first().waitFor();
  await page.getByRole('button', { name: /^Execute query/ }).click();
  await response.getByText('Ramy Ahmed Fathy').first().waitFor();
  // A query of one's own, typed into a new tab.
  await page.getByRole('button', { name: 'New tab' }).click();
  const editor = page.locator('.graphiql-query-editor .monaco-editor').first();
  await editor.click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText('query Size { stats { entityCount relationCount } }');
  // GraphiQL names the tab after the operation once it has read it.
  await page.locator('.graphiql-tab-active').getByText('Size').waitFor();
  await page.keyboard.press('ControlOrMeta+Enter');
  await response.getByText(`"entityCount": ${server.health.entities}`).waitFor();
  await response.getByText(`"relationCount": ${server.health.relations}`).waitFor();
  // Prettify (prettier, loaded on demand from civgraph too).
  await page.getByRole('button', { name: /^Prettify query/ }).click();
  await page.locator('.graphiql-query-editor').getByText('entityCount').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('.graphiql-query-editor .view-line').length >= 5);
  await shot(page, 'ide');
  await done(page);
});

test('/graphiql serves the IDE too', async () => {
  const page = await open('/graphiql');
  await page.locator('.graphiql-container').waitFor();
  assert.match(await page.title(), /GraphQL IDE/);
  await done(page);
});

// ---- the explorer ----

test('the explorer draws the whole graph', async (t) => {
  const page = await open('/explore');
  await page.waitForFunction(() => window.__civgraph?.timings.wholeGraphDrawnMs !== null);
  const ids = await shown(page);
  assert.equal(ids.length, server.health.entities);
  const tm = await timings(page);
  t.diagnostic(
    `whole graph (${ids.length} entities) drawn ${tm.wholeGraphDrawnMs} ms after navigation start ` +
      `(data in by ${tm.wholeGraphDataMs} ms, layout and drawing ${tm.wholeGraphLayoutMs} ms)`,
  );
  console.log(`TIMING whole-graph-drawn-ms=${tm.wholeGraphDrawnMs} layout-ms=${tm.wholeGraphLayoutMs}`);
  await page.getByRole('heading', { name: 'The whole graph', level: 2 }).waitFor();
  await shot(page, 'explore-whole');
  await done(page);
});

test('the explorer finds a person by search, by keyboard, and shows a source quote', async () => {
  const page = await open('/explore');
  await page.waitForFunction(() => window.__civgraph?.timings.wholeGraphDrawnMs !== null);
  const search = page.getByRole('combobox', { name: /search/i });
  await search.focus();
  await page.keyboard.type('geray');
  // Two Gerays: the arrow keys move to the one wanted.
  await page.getByRole('option', { name: /Gamze Geray/ }).waitFor();
  await page.getByRole('option', { name: /Okan Geray/ }).waitFor();
  assert.equal(await search.getAttribute('aria-expanded'), 'true');
  while (!(await page.getByRole('option', { name: /Okan Geray/ }).getAttribute('aria-selected')).includes('true')) {
    await page.keyboard.press('ArrowDown');
  }
  await page.keyboard.press('Enter');
  await page.waitForURL('**/explore/person:okan-geray');
  const panel = page.locator('#panel');
  await panel.getByRole('heading', { name: 'Okan Geray', level: 2 }).waitFor();
  // The entity's own sources, quoted.
  const quote = panel.locator('.quote blockquote').first();
  await quote.waitFor();
  assert.match(await quote.innerText(), /Okan Geray/);
  // A relation's source, behind its disclosure.
  const rel = panel.locator('.rel-source').first();
  await rel.locator('summary').click();
  assert.ok((await rel.locator('blockquote').first().innerText()).length > 10);
  assert.ok((await shown(page)).includes('group:u4ssc'));
  await shot(page, 'explore-person');
  // The same entity, as a query in the IDE.
  await panel.getByRole('link', { name: 'Query in the IDE' }).click();
  await page.waitForURL('**/graphiql?query=*');
  await page.locator('.graphiql-query-editor').getByText('person:okan-geray').waitFor();
  await page.getByRole('button', { name: /^Execute query/ }).click();
  await page.locator('.graphiql-response').getByText('"name": "Okan Geray"').waitFor();
  await done(page);
});

test('clicking a group expands it, and the back button undoes it', async (t) => {
  const page = await open('/explore/person:okan-geray');
  await page.locator('#panel h2').getByText('Okan Geray').waitFor();
  const before = await shown(page);

  await clickEntity(page, 'group:u4ssc');
  await page.waitForURL('**/explore/group:u4ssc?expand=person:okan-geray');
  await page.locator('#panel h2').getByText('United for Smart Sustainable Cities').waitFor();
  const expanded = await shown(page);
  assert.ok(expanded.length > before.length + 10, `${before.length} -> ${expanded.length}`);
  assert.ok(before.every((id) => expanded.includes(id)), 'what was drawn stays drawn');

  // The new entities glide to their places: click where one ends up.
  await page.waitForFunction(() => window.__civgraph.timings.expands[0]?.settledMs != null);
  await clickEntity(page, 'group:tg-digital-public-infrastructure');
  await page.waitForURL('**/explore/group:tg-digital-public-infrastructure?expand=*');
  await page.locator('#panel h2').getByText(/Digital Public Infrastructure/).waitFor();
  const twice = await shown(page);
  assert.ok(twice.length > expanded.length);
  await page.waitForFunction(() => window.__civgraph.timings.expands.every((e) => e.settledMs !== null));
  await shot(page, 'explore-expanded');

  const tm = await timings(page);
  for (const e of tm.expands) {
    t.diagnostic(
      `click-to-expand ${e.id}: ${e.ms} ms from the click to its neighbours on screen, ` +
        `${e.settledMs} ms to the end of the settling animation ` +
        `(${e.entities} entities drawn; ${e.prefetched ? 'neighbours fetched ahead' : `fetching the neighbours took ${e.fetchMs} ms`})`,
    );
    console.log(`TIMING expand-ms=${e.ms} settled-ms=${e.settledMs} id=${e.id}`);
  }
  assert.equal(tm.expands.length, 2);

  await page.goBack();
  await page.waitForURL('**/explore/group:u4ssc?expand=person:okan-geray');
  await page.waitForFunction((n) => window.__civgraph.shown().length === n, expanded.length);
  await page.goBack();
  await page.waitForURL('**/explore/person:okan-geray');
  await page.waitForFunction((n) => window.__civgraph.shown().length === n, before.length);
  await page.locator('#panel h2').getByText('Okan Geray').waitFor();
  await page.goForward();
  await page.waitForURL('**/explore/group:u4ssc?expand=person:okan-geray');
  await done(page);
});

test('the filters hide kinds and relation types, and are kept in the URL', async () => {
  const page = await open('/explore/group:u4ssc');
  await page.locator('#panel h2').getByText('United for Smart Sustainable Cities').waitFor();
  // The hub's neighbours, organisations among them, are drawn.
  const isOrg = (id) => id.startsWith('organisation:');
  await viewShown(page);
  const all = await shown(page);
  assert.ok(all.some(isOrg));
  await page.getByRole('checkbox', { name: 'Organisations' }).uncheck();
  await page.waitForURL(/kinds=/);
  await page.waitForFunction(() => {
    const ids = window.__civgraph.shown();
    return ids.length > 0 && ids.every((id) => !id.startsWith('organisation:'));
  });
  const noOrgs = await shown(page);
  assert.ok(noOrgs.length < all.length, `${noOrgs.length} of ${all.length}`);
  assert.ok(!noOrgs.some(isOrg));
  await page.getByRole('checkbox', { name: 'Organisations' }).check();
  await page.locator('#type-filter-box summary').click();
  await page.getByRole('button', { name: 'None' }).click();
  await page.getByRole('checkbox', { name: 'Leads' }).check();
  await page.waitForURL(/types=LEADS/);
  await page.waitForFunction((n) => window.__civgraph.shown().length < n, all.length);
  const leads = await shown(page);
  assert.ok(leads.length < all.length && leads.length > 1, `${leads.length}`);
  await shot(page, 'explore-filtered');
  // The filtered view is a link of its own.
  const url = page.url();
  const again = await open(url.slice(server.origin.length));
  await again.locator('#panel h2').getByText('United for Smart Sustainable Cities').waitFor();
  await viewShown(again);
  assert.deepEqual((await shown(again)).sort(), [...leads].sort());
  assert.equal(await again.locator('input[data-type="LEADS"]').isChecked(), true);
  assert.equal(await again.locator('input[data-type="PART_OF"]').isChecked(), false);
  await done(again);
  await done(page);
});

/** Where every entity drawn is, shown or not (the drawing's own coordinates). */
const places = (page) =>
  page.evaluate(() => Object.fromEntries(window.__civgraph.cy().nodes().map((n) => [n.id(), { ...n.position() }])));

/**
 * Checks that the entities shown now but not in `before` (ids) are drawn
 * beside the rest, not in a heap or a grid of their own: each one near the
 * nearest of its neighbours in `before` (within 2.5 times the drawing's
 * median relation length: a hub's relations are drawn longer), or, when it
 * has none, within the box of the others (widened by that length); and in
 * view. Returns the ids checked.
 */
async function assertPlacedBeside(page, before, what) {
  const { fresh, near, median, outside } = await page.evaluate((was) => {
    const cy = window.__civgraph.cy();
    const old = new Set(was);
    const shownNodes = cy.nodes(':visible');
    const dist = (a, b) => Math.hypot(a.position('x') - b.position('x'), a.position('y') - b.position('y'));
    const lengths = cy
      .edges(':visible')
      .map((e) => dist(e.source(), e.target()))
      .sort((a, b) => a - b);
    const median = lengths[Math.floor(lengths.length / 2)];
    const bb = shownNodes.filter((n) => old.has(n.id())).boundingBox({ includeLabels: false });
    const fresh = shownNodes.filter((n) => !old.has(n.id()));
    const near = {};
    const outside = [];
    fresh.forEach((n) => {
      const drawn = n.neighborhood('node').filter((m) => old.has(m.id()));
      if (drawn.nonempty()) {
        near[n.id()] = Math.min(...drawn.map((m) => dist(n, m))) / median;
        return;
      }
      const p = n.position();
      if (p.x < bb.x1 - median || p.x > bb.x2 + median || p.y < bb.y1 - median || p.y > bb.y2 + median) outside.push(n.id());
    });
    return { fresh: fresh.map((n) => n.id()), near, median, outside };
  }, before);
  assert.ok(fresh.length > 0, `${what}: some entities were hidden`);
  assert.ok(Object.keys(near).length >= fresh.length / 2, `${what}: most of them have a neighbour that was shown`);
  const far = Object.entries(near)
    .filter(([, r]) => r > 2.5)
    .map(([id, r]) => `${id} (${r.toFixed(1)})`);
  assert.deepEqual(far, [], `${what}: drawn far from their nearest neighbour (in median relation lengths of ${Math.round(median)})`);
  assert.deepEqual(outside, [], `${what}: with no neighbour that was shown, drawn outside the rest of the drawing`);
  const box = await page.locator('#cy').boundingBox();
  const unseen = [];
  for (const id of fresh) {
    const p = await page.evaluate((x) => window.__civgraph.nodePosition(x), id);
    if (!(p && p.x >= box.x && p.x <= box.x + box.width && p.y >= box.y && p.y <= box.y + box.height)) unseen.push(id);
  }
  assert.deepEqual(unseen, [], `${what}: out of view`);
  return fresh;
}

/** Checks that the entities `ids` are where they were (`then`, from places()). */
function assertSamePlaces(now, then, ids) {
  const moved = ids
    .map((id) => [id, Math.hypot(now[id].x - then[id].x, now[id].y - then[id].y)])
    .filter(([, d]) => !(d < 1))
    .map(([id, d]) => `${id} (${Math.round(d)} away)`);
  assert.deepEqual(moved, [], 'entities drawn elsewhere than they were');
}

const noOrganisations = '/explore?kinds=PERSON,GROUP,DELIVERABLE,EVENT';

test('entities hidden when the whole graph was first drawn are placed beside their neighbours once shown, and kept there', async () => {
  const page = await open(noOrganisations);
  await viewShown(page);
  const before = await shown(page);
  assert.ok(before.length > 1 && !before.some((id) => id.startsWith('organisation:')));
  // Only the entities laid out have places to keep for the next visit.
  const kept = await page.evaluate(() => Object.keys(window.__civgraph.wholePositions() ?? {}));
  assert.deepEqual(kept.sort(), [...before].sort(), 'the whole graph keeps the places of the entities laid out, and only those');
  const where = await places(page);

  await page.getByRole('checkbox', { name: 'Organisations' }).check();
  await page.waitForURL(/\/explore$/);
  await page.waitForFunction((n) => window.__civgraph.shown().length === n, server.health.entities);
  await page.evaluate(() => window.__civgraph.settled());
  const fresh = await assertPlacedBeside(page, before, 'organisations shown in the whole graph');
  assert.ok(fresh.every((id) => id.startsWith('organisation:')));
  const placed = await places(page);
  assertSamePlaces(placed, where, before);
  await shot(page, 'explore-filter-removed');

  // Another view, then the whole graph again: everything where it was.
  await page.locator('#panel .start-list a[href="/explore/group:u4ssc"]').click();
  await viewShown(page);
  await page.locator('#whole-graph').click();
  await page.waitForURL(/\/explore$/);
  await viewShown(page);
  await page.evaluate(() => window.__civgraph.settled());
  assert.equal((await shown(page)).length, server.health.entities);
  assertSamePlaces(await places(page), placed, Object.keys(placed));
  await done(page);
});

test('entities a filter hid are placed beside their neighbours once shown, in a view and in the whole graph drawn later', async () => {
  // The hub's neighbours, drawn while some relation types are hidden.
  const page = await open('/explore/group:u4ssc?types=LEADS,MEMBER_OF');
  await page.locator('#panel h2').getByText('United for Smart Sustainable Cities').waitFor();
  await viewShown(page);
  let before = await shown(page);
  await page.locator('#type-filter-box summary').click();
  await page.getByRole('button', { name: 'All' }).click();
  await page.waitForURL(/\/explore\/group:u4ssc$/);
  await page.waitForFunction((n) => window.__civgraph.shown().length > n, before.length);
  await page.evaluate(() => window.__civgraph.settled());
  await assertPlacedBeside(page, before, 'relation types shown in a view');

  // The whole graph first drawn without its organisations, which are then
  // shown in another view: back in the whole graph they are placed beside
  // their neighbours, and the rest is where it was.
  const whole = await open(noOrganisations);
  await viewShown(whole);
  before = await shown(whole);
  const where = await places(whole);
  await whole.locator('#panel .start-list a[href="/explore/group:u4ssc"]').click();
  await whole.waitForURL(/\/explore\/group:u4ssc\?kinds=/);
  await viewShown(whole);
  const local = await shown(whole);
  await whole.getByRole('checkbox', { name: 'Organisations' }).check();
  await whole.waitForURL(/\/explore\/group:u4ssc$/);
  await whole.waitForFunction((n) => window.__civgraph.shown().length > n, local.length);
  await whole.evaluate(() => window.__civgraph.settled());
  await assertPlacedBeside(whole, local, 'organisations shown in a view');
  await whole.locator('#whole-graph').click();
  await whole.waitForURL(/\/explore$/);
  await viewShown(whole);
  await whole.evaluate(() => window.__civgraph.settled());
  assert.equal((await shown(whole)).length, server.health.entities);
  await assertPlacedBeside(whole, before, 'organisations shown in the whole graph drawn again');
  assertSamePlaces(await places(whole), where, before);
  await done(whole);
  await done(page);
});

/**
 * The entity shown with the most room around it on screen (the farthest
 * from any other), among those at least `margin` px inside the canvas, and
 * where it is in the drawing's own coordinates.
 */
const roomiest = (page, margin) =>
  page.evaluate((m) => {
    const cy = window.__civgraph.cy();
    const nodes = cy.nodes(':visible');
    let best = null;
    nodes.forEach((n) => {
      const p = n.renderedPosition();
      if (p.x < m || p.y < m || p.x > cy.width() - m || p.y > cy.height() - m) return;
      const room = Math.min(...nodes.not(n).map((o) => Math.hypot(o.renderedPosition('x') - p.x, o.renderedPosition('y') - p.y)));
      if (!best || room > best.room) best = { id: n.id(), room, at: { ...n.position() } };
    });
    return best;
  }, margin);

/** Drags entity `id` by (dx, dy) px with the mouse; where it is then, in the drawing's own coordinates. */
async function dragEntity(page, id, dx, dy) {
  const p = await page.evaluate((x) => window.__civgraph.nodePosition(x), id);
  assert.ok(p, `${id} is drawn`);
  await page.mouse.move(p.x, p.y);
  await page.mouse.down();
  await page.mouse.move(p.x + dx, p.y + dy, { steps: 8 });
  await page.mouse.up();
  return page.evaluate((x) => ({ ...window.__civgraph.cy().getElementById(x).position() }), id);
}

test('an entity dragged in the whole graph stays where it was dropped when the whole graph is drawn again', async () => {
  const page = await open('/explore');
  await viewShown(page);
  await page.evaluate(() => window.__civgraph.settled());
  const { id, at } = await roomiest(page, 120);
  const zoom = await page.evaluate(() => window.__civgraph.cy().zoom());
  const dropped = await dragEntity(page, id, 90, 60);
  assert.match(page.url(), /\/explore$/, 'a drag is not a click');
  assert.ok(
    Math.abs(dropped.x - at.x - 90 / zoom) < 2 / zoom && Math.abs(dropped.y - at.y - 60 / zoom) < 2 / zoom,
    `${id} followed the mouse: from ${JSON.stringify(at)} to ${JSON.stringify(dropped)} at zoom ${zoom}`,
  );
  const kept = await page.evaluate(() => window.__civgraph.wholePositions());

  // A drag in an entity's view leaves the whole graph's places alone.
  await page.locator('#panel .start-list a[href="/explore/group:u4ssc"]').click();
  await page.waitForURL(/\/explore\/group:u4ssc$/);
  await viewShown(page);
  await page.evaluate(() => window.__civgraph.settled());
  const local = await roomiest(page, 120);
  await dragEntity(page, local.id, -80, 50);
  assert.match(page.url(), /\/explore\/group:u4ssc$/, 'a drag is not a click');
  assert.deepEqual(await page.evaluate(() => window.__civgraph.wholePositions()), kept);

  await page.locator('#whole-graph').click();
  await page.waitForURL(/\/explore$/);
  await viewShown(page);
  await page.evaluate(() => window.__civgraph.settled());
  assert.equal((await shown(page)).length, server.health.entities);
  const now = await places(page);
  assert.ok(
    Math.hypot(now[id].x - dropped.x, now[id].y - dropped.y) < 1,
    `${id} is drawn where it was dropped, ${JSON.stringify(dropped)}, not at ${JSON.stringify(now[id])}`,
  );
  assertSamePlaces(now, kept, Object.keys(kept));
  await done(page);
});

test('an answer that arrives after its view was left changes nothing', async () => {
  const { stats } = await gql('{ stats { byKind { kind count } } }');
  const organisations = stats.byKind.find((k) => k.kind === 'ORGANISATION').count;
  const wholeWithoutOrgs = server.health.entities - organisations;
  const page = await open('/explore');
  await viewShown(page);
  const hub = page.locator('#panel .start-list a[href="/explore/group:u4ssc"]');

  // The hub's neighbours are slow to come; meanwhile the reader hides the
  // organisations and goes back to the whole graph.
  const hood = await holdAnswers(
    page,
    (b) => b.query.startsWith('query Neighbourhoods') && Object.values(b.variables).includes('group:u4ssc'),
  );
  await hub.click();
  await hood.requested;
  await page.getByRole('checkbox', { name: 'Organisations' }).uncheck();
  await page.waitForURL(/\/explore\/group:u4ssc\?kinds=/);
  await page.locator('#whole-graph').click();
  await page.waitForURL(/\/explore\?kinds=/);
  await viewShown(page);
  await hood.release();
  await page.waitForFunction(() => window.__civgraph.renders.every((r) => r.outcome !== null));
  assert.deepEqual(await outcomes(page, '/explore/group:u4ssc'), ['overtaken']);
  let ids = await shown(page);
  assert.equal(ids.length, wholeWithoutOrgs, 'the whole graph without its organisations is drawn');
  assert.ok(!ids.some((id) => id.startsWith('organisation:')));
  assert.equal(await page.locator('#view-title').innerText(), 'The whole graph');
  assert.match(page.url(), /\/explore\?kinds=/);

  // Now the hub's details are slow to come: its neighbours are drawn, the
  // panel waits, and the reader goes back to the whole graph again.
  const details = await holdAnswers(page, (b) => b.query.startsWith('query EntityDetails') && b.variables.id === 'group:u4ssc');
  await hub.click();
  await details.requested;
  assert.equal(await page.locator('#panel').getAttribute('aria-busy'), 'true');
  await page.locator('#whole-graph').click();
  await viewShown(page);
  await details.release();
  await page.waitForFunction(() => window.__civgraph.renders.every((r) => r.outcome !== null));
  assert.deepEqual(await outcomes(page, '/explore/group:u4ssc'), ['overtaken', 'overtaken']);
  ids = await shown(page);
  assert.equal(ids.length, wholeWithoutOrgs, 'the whole graph without its organisations is drawn');
  assert.equal(await page.locator('#panel h2').innerText(), 'The whole graph');
  assert.equal(await page.locator('#panel').getAttribute('aria-busy'), null, 'the panel is not left busy');
  await done(page);
});

test('a view left before its drawing reached the screen leaves the canvas to the next one', async () => {
  const page = await open('/explore');
  await viewShown(page);
  const whole = await shown(page);
  assert.equal(whole.length, server.health.entities);
  // No frame is painted for now (a busy machine, a tab in the background):
  // the hub's neighbours replace the whole graph, but the drawing is not on
  // screen yet when the reader goes back to the whole graph.
  await page.evaluate(() => {
    const paint = window.requestAnimationFrame.bind(window);
    const held = [];
    window.requestAnimationFrame = (f) => held.push(f);
    window.paintFrames = () => {
      window.requestAnimationFrame = paint;
      for (const f of held.splice(0)) paint(f);
    };
  });
  await page.locator('#panel .start-list a[href="/explore/group:u4ssc"]').click();
  await page.waitForFunction((n) => window.__civgraph.shown().length < n, whole.length);
  await page.locator('#whole-graph').click();
  await page.waitForURL(/\/explore$/);
  await page.evaluate(() => window.paintFrames());
  await viewShown(page);
  assert.deepEqual(await outcomes(page, '/explore/group:u4ssc'), ['overtaken']);
  assert.equal((await shown(page)).length, whole.length, 'the whole graph is drawn');
  // And the hub again: its neighbours, laid out anew.
  await page.locator('#panel .start-list a[href="/explore/group:u4ssc"]').click();
  await viewShown(page);
  const hub = await shown(page);
  assert.ok(hub.length > 1 && hub.length < whole.length, `${hub.length}`);
  const p = await page.evaluate(() => window.__civgraph.nodePosition('group:u4ssc'));
  const box = await page.locator('#cy').boundingBox();
  assert.ok(p && p.x > box.x && p.x < box.x + box.width && p.y > box.y && p.y < box.y + box.height, 'the hub is in view');
  await done(page);
});

test('the path finder finds a path between two people and highlights it', async () => {
  const page = await open('/explore/path');
  await page.waitForFunction(() => window.__civgraph?.timings.wholeGraphDrawnMs !== null);
  await page.getByRole('combobox', { name: 'From' }).fill('okan');
  await page.getByRole('option', { name: /Okan Geray/ }).click();
  await page.getByRole('combobox', { name: 'To' }).fill('leyi');
  await page.getByRole('option', { name: /Leyi Zhang/ }).click();
  await page.getByRole('button', { name: 'Find path' }).click();
  await page.waitForURL(/\/explore\/path\?from=person:okan-geray&to=person:leyi-zhang/);
  const result = page.locator('#path-result');
  await result.getByRole('heading', { name: '4 steps' }).waitFor();
  const steps = await result.locator('.path-steps .step-node').allInnerTexts();
  assert.equal(steps[0].trim(), 'Okan Geray');
  assert.equal(steps.at(-1).trim(), 'Leyi Zhang');
  const lit = await page.evaluate(() => window.__civgraph.highlighted());
  assert.equal(lit.nodes, 5);
  assert.equal(lit.edges, 4);
  await shot(page, 'explore-path');
  await done(page);
});

/**
 * What a path view shows: for each entity and relation of `ids`, whether
 * it is drawn, shown and in view; the kinds and relation types shown off
 * the path; what is shown; and the counts line. (Read two frames on, when
 * cytoscape has computed the styles the filters and the highlight set.)
 */
const pathView = (page, ids) =>
  page.evaluate(async (want) => {
    for (let i = 0; i < 2; i++) await new Promise((resolve) => requestAnimationFrame(() => resolve()));
    const cy = window.__civgraph.cy();
    const box = document.querySelector('#cy').getBoundingClientRect();
    const inView = (id) => {
      const p = window.__civgraph.nodePosition(id);
      return Boolean(p && p.x > box.left && p.x < box.right && p.y > box.top && p.y < box.bottom);
    };
    const offPath = cy.elements(':visible').not('.on-path');
    return {
      path: want.map((id) => {
        const e = cy.getElementById(id);
        return { id, drawn: e.nonempty(), shown: e.nonempty() && e.visible(), inView: e.nonempty() && (e.isEdge() || inView(id)) };
      }),
      lit: cy.elements('.on-path').map((e) => e.id()),
      kindsOff: [...new Set(offPath.nodes().map((n) => n.data('kind')))].sort(),
      typesOff: [...new Set(offPath.edges().map((e) => e.data('type')))].sort(),
      shown: cy.nodes(':visible').map((n) => n.id()).sort(),
      hidden: { nodes: cy.nodes().not(':visible').length, edges: cy.edges().not(':visible').length },
      visible: { nodes: cy.nodes(':visible').length, edges: cy.edges(':visible').length },
      counts: document.querySelector('#graph-counts').textContent,
    };
  }, ids);

test('a path is drawn whole whatever the filters hide, and the filters still apply to the rest', async () => {
  // Okan Geray leads U4SSC, which two groups are part of, the last one
  // led by Leyi Zhang: two relation types, two kinds.
  const { shortestPath: p } = await gql(`{ shortestPath(from: "person:okan-geray", to: "person:leyi-zhang", maxDepth: 10) {
    nodes { id kind } relations { id type } } }`);
  assert.deepEqual([...new Set(p.relations.map((r) => r.type))].sort(), ['LEADS', 'PART_OF']);
  assert.deepEqual([...new Set(p.nodes.map((n) => n.kind))].sort(), ['GROUP', 'PERSON']);
  const ids = [...p.nodes.map((n) => n.id), ...p.relations.map((r) => r.id)];
  const base = '/explore/path?from=person:okan-geray&to=person:leyi-zhang';
  for (const [filter, kinds, types] of [
    ['types=LEADS', null, ['LEADS']],
    ['kinds=PERSON', ['PERSON'], null],
    ['kinds=GROUP&types=PART_OF', ['GROUP'], ['PART_OF']],
  ]) {
    const page = await open(`${base}&${filter}`);
    await page.locator('#path-result').getByRole('heading', { name: '4 steps' }).waitFor();
    await viewShown(page);
    const v = await pathView(page, ids);
    // Every entity and relation of the path, whatever its kind or type.
    for (const e of v.path) assert.deepEqual(e, { id: e.id, drawn: true, shown: true, inView: true }, `${filter}: ${e.id}`);
    assert.deepEqual([...v.lit].sort(), [...ids].sort(), filter);
    // The rest is filtered as ever.
    if (kinds) assert.ok(v.kindsOff.every((k) => kinds.includes(k)), `${filter}: kinds shown off the path: ${v.kindsOff}`);
    if (types) assert.ok(v.typesOff.every((t) => types.includes(t)), `${filter}: types shown off the path: ${v.typesOff}`);
    assert.ok(v.hidden.nodes > 0 && v.hidden.edges > 0, `${filter}: ${JSON.stringify(v.hidden)}`);
    // The counts line counts what is shown, the path with it.
    assert.equal(v.counts, `${v.visible.nodes} entities · ${v.visible.edges} relations shown`, filter);
    if (filter === 'types=LEADS') {
      await shot(page, 'explore-path-filtered');
      // Away from the path, the filters alone say what is shown again.
      await page.locator('.topnav a[data-nav="path"]').click();
      await page.waitForURL(/\/explore\/path\?types=LEADS$/);
      await viewShown(page);
      const after = await pathView(page, ids);
      assert.deepEqual(after.lit, []);
      assert.deepEqual(after.typesOff, ['LEADS']);
      for (const r of p.relations) {
        const e = after.path.find((x) => x.id === r.id);
        assert.equal(e.shown, r.type === 'LEADS', `${r.id} after the path view`);
      }
      assert.equal(after.counts, `${after.visible.nodes} entities · ${after.visible.edges} relations shown`);
      const fresh = await open('/explore/path?types=LEADS');
      await viewShown(fresh);
      assert.deepEqual(after.shown, (await pathView(fresh, ids)).shown);
      await done(fresh);
    }
    await done(page);
  }
});

test('the who-leads-what table filters, sorts and downloads as CSV', async () => {
  const { leadership } = await gql('{ leadership(first: 0) { totalCount } }');
  const page = await open('/explore/leaders');
  const rows = page.locator('#leaders-table tbody tr');
  const count = page.locator('#leaders-count');
  await count.getByText(`${leadership.totalCount} leaderships`).waitFor();
  assert.equal(await rows.count(), leadership.totalCount);

  await page.getByLabel('Filter by name or role').fill('chair');
  await page.waitForURL(/q=chair/);
  await count.getByText(/leaderships? match/).waitFor();
  const n = await rows.count();
  assert.ok(n > 0 && n < leadership.totalCount, `${n} rows`);
  for (const text of await rows.allInnerTexts()) assert.match(text, /chair/i);

  await page.getByRole('button', { name: 'Leader', exact: true }).click();
  await page.waitForURL(/sort=leader/);
  assert.equal(await page.locator('th[data-sort="leader"]').getAttribute('aria-sort'), 'ascending');
  const leaders = await page.locator('#leaders-table tbody td[data-label="Leader"]').allInnerTexts();
  const sorted = [...leaders].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' }));
  assert.deepEqual(leaders, sorted);
  await page.getByRole('button', { name: 'Leader', exact: true }).click();
  await page.waitForURL(/dir=desc/);
  assert.equal(await page.locator('th[data-sort="leader"]').getAttribute('aria-sort'), 'descending');

  const href = await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href');
  assert.match(href, /^\/export\/leadership\.csv\?text=chair/);
  const csv = await (await fetch(server.origin + href)).text();
  const lines = csv.trim().split(/\r?\n/);
  assert.equal(lines.length - 1, n, 'the CSV holds the rows shown');
  await shot(page, 'leaders');
  await done(page);
});

test('every view fits a 390x844 phone', async () => {
  for (const [name, where, ready] of [
    ['phone-explore', '/explore/person:okan-geray', (p) => p.locator('#panel h2').getByText('Okan Geray').waitFor()],
    ['phone-leaders', '/explore/leaders', (p) => p.locator('#leaders-count').getByText(/\d+ leaderships/).waitFor()],
    ['phone-path', '/explore/path?from=person:okan-geray&to=person:leyi-zhang', (p) => p.getByRole('heading', { name: '4 steps' }).waitFor()],
    ['phone-ide', '/', (p) => p.locator('.graphiql-tab').nth(2).waitFor()],
  ]) {
    const page = await open(where, PHONE);
    await ready(page);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= PHONE.width, `${name}: the page is ${width}px wide`);
    await shot(page, name);
    await done(page);
  }
});

test('the controls have labels and the keyboard reaches them', async () => {
  const page = await open('/explore/person:okan-geray');
  await page.locator('#panel h2').getByText('Okan Geray').waitFor();
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll('input, select, button')]
      .filter((el) => el.offsetParent !== null || el.type === 'checkbox')
      .filter((el) => !(el.labels?.length || el.getAttribute('aria-label') || el.textContent.trim()))
      .map((el) => el.outerHTML),
  );
  assert.deepEqual(unlabelled, []);
  // The first Tab reaches the skip link, which leads to the content.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'skip-link');
  // A relation in the panel is a link: Enter on it opens that entity.
  const link = page.locator('#panel .rels a.entity-link').first();
  const target = await link.getAttribute('href');
  await link.focus();
  await page.keyboard.press('Enter');
  await page.waitForURL(`**${target.split('?')[0]}*`);
  await page.locator('#panel h2:focus').waitFor();
  await done(page);
});

test('no page needed anything but civgraph', () => {
  assert.deepEqual(outside, []);
});
