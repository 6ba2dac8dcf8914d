// The caseworker console in a real browser (issue 7), against the same `athar demo` as the
// portal specs: a caseworker logs in, imports a small list, confirms a pair from the review
// queue, sees the merge on the person page and splits it back; an analyst cannot see contact
// details; in Arabic, a family's report is matched by an imported list, confirmed and answered
// with a shared status the family reads with its code (issue 7's "done when"); an anonymous
// visitor is refused every console route. No JavaScript anywhere.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, BASE, ARTIFACTS, unique } from './browser.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// The demo prints its accounts once: "  caseworker   role caseworker   password XXXX".
function demoPassword(login) {
  const log = readFileSync(`${ARTIFACTS}/server.log`, 'utf8');
  const line = log.split('\n').find((l) => l.trim().startsWith(`${login} `) && l.includes(' password '));
  assert.ok(line, `the demo printed no account ${login}`);
  return line.trim().split(/\s+/).pop();
}

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

// The demo rate-limits each client address (all of these tests come from 127.0.0.1): a 429
// is waited out (Retry-After) and the request sent again, so the guard is what gets tested.
async function gotoPaced(page, url) {
  for (let i = 0; i < 30; i += 1) {
    const r = await page.goto(url);
    if (r.status() !== 429) return r;
    await sleep(1000 * Math.max(1, Number(r.headers()['retry-after'] ?? 1)));
  }
  throw new Error(`still rate-limited: ${url}`);
}

async function postPaced(context, url, options) {
  for (let i = 0; i < 30; i += 1) {
    const r = await context.request.post(url, options);
    if (r.status() !== 429) return r;
    await sleep(1000 * Math.max(1, Number(r.headers()['retry-after'] ?? 1)));
  }
  throw new Error(`still rate-limited: ${url}`);
}

async function desk(locale = 'en-GB') {
  return browser.newContext({ viewport: { width: 1280, height: 900 }, javaScriptEnabled: false, locale });
}

async function login(page, name, lang = 'en') {
  await page.goto(`${BASE}/${lang}/console/login`);
  await page.locator('#name').fill(name);
  await page.locator('#password').fill(demoPassword(name));
  await page.locator('form.form button[type=submit]').click();
  await page.waitForURL(`${BASE}/${lang}/console/`);
}

// Every console page a GET reaches, and every POST, with sample ids.
const GETS = [
  '/console/', '/console/review', '/console/review/1', '/console/persons', '/console/persons/1',
  '/console/persons/1/contacts', '/console/import', '/console/tips', '/console/audit',
  '/console/users', '/console/tokens',
];
const POSTS = [
  '/console/logout', '/console/review/1/claim', '/console/review/1/decide', '/console/train',
  '/console/persons/1/contacts', '/console/persons/1/merge', '/console/persons/1/determination',
  '/console/records/1/split', '/console/events/1/reverse', '/console/import',
  '/console/import/confirm', '/console/tips/1', '/console/tips/1/contact', '/console/users',
  '/console/users/admin', '/console/tokens', '/console/tokens/1/revoke',
];

test('a caseworker imports a list, confirms a pair, sees the merge, and splits it back', async () => {
  const context = await desk();
  const page = await context.newPage();
  await login(page, 'caseworker');

  // Import a small list (invented names), check the preview, confirm.
  const source = unique('e2e-list-');
  const csv = 'id,first_name,father_name,family_name,birth_year\n'
    + `${source}-1,Yamen,Tarek,Sabbagh,1981\n${source}-2,ريم,وائل,الأتاسي,1994\n`;
  await page.goto(`${BASE}/en/console/import`);
  await page.locator('#file').setInputFiles({ name: `${source}.csv`, mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.locator('#source').fill(source);
  await page.locator('form.form button[type=submit]').click();
  await page.locator('dd.encoding').waitFor();
  assert.equal((await page.locator('dd.encoding').innerText()).trim(), 'utf-8');
  assert.equal((await page.locator('dd.rows').innerText()).trim(), '2');
  assert.ok((await page.locator('table.sample').innerText()).includes('Yamen'));
  await page.screenshot({ path: `${ARTIFACTS}/en-console-import-preview.png`, fullPage: true });
  await page.locator('#confirm-import').click();
  await page.locator('dd.stored').waitFor();
  assert.equal((await page.locator('dd.stored').innerText()).trim(), '2');

  // The review queue: open the most valuable pair, read the evidence, confirm.
  await page.goto(`${BASE}/en/console/review`);
  const first = page.locator('button[data-review]').first();
  assert.ok(await first.count() > 0, 'the demo has pairs waiting for review');
  await first.click();
  await page.locator('svg.waterfall').waitFor();
  await page.screenshot({ path: `${ARTIFACTS}/en-console-compare.png`, fullPage: true });
  await page.locator('#reason').fill('e2e: same person');
  await page.locator('button[value=confirm]').click();
  await page.waitForURL(/\/en\/console\/persons\/\d+$/);
  const personUrl = page.url();
  const records = Number((await page.locator('.nrecords').innerText()).trim());
  assert.ok(records >= 2, 'the merged person has both records');
  assert.ok(await page.locator('tr.event.merge').count() > 0, 'the merge is in the history');
  assert.ok((await page.locator('table.history').innerText()).includes('e2e: same person'));
  await page.screenshot({ path: `${ARTIFACTS}/en-console-person-merged.png`, fullPage: true });

  // Split the last record back out: the history shows the split, the person has one fewer.
  const split = page.locator('button[data-split]').last();
  await split.click();
  await page.waitForURL(/\/en\/console\/persons\/\d+$/);
  await page.goto(personUrl);
  assert.equal(Number((await page.locator('.nrecords').innerText()).trim()), records - 1);
  assert.ok(await page.locator('tr.event.split').count() > 0, 'the split is in the history');

  // The same page in Arabic, right to left.
  await page.goto(personUrl.replace('/en/', '/ar/'));
  assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
  await page.screenshot({ path: `${ARTIFACTS}/ar-console-person.png`, fullPage: true });
  await context.close();
});

test('an analyst cannot see contact details', async () => {
  const context = await desk();
  const page = await context.newPage();
  await login(page, 'analyst');
  // The first person of the demo: the analyst may read the page, without contacts.
  const href = '/en/console/persons/1';
  const r0 = await page.goto(`${BASE}${href}`);
  assert.equal(r0.status(), 200);
  assert.ok(await page.locator('section.record').count() > 0);
  assert.equal(await page.locator('a[href$="/contacts"]').count(), 0, 'no contacts link for analysts');
  const r = await page.goto(`${BASE}${href}/contacts`);
  assert.equal(r.status(), 403);
  assert.ok((await page.content()).includes('Not allowed'));
  // The review queue and the admin pages are refused too.
  assert.equal((await page.goto(`${BASE}/en/console/review`)).status(), 403);
  assert.equal((await page.goto(`${BASE}/en/console/audit`)).status(), 403);
  await context.close();
});

test('a family reports, a caseworker records a shared status, and the family sees it with its code', async () => {
  // The family, on a phone, reports a missing person (invented names) and keeps the code.
  const given = unique('Zayd');
  const family = await browser.newContext({ viewport: { width: 360, height: 740 }, javaScriptEnabled: false, locale: 'en-GB' });
  const phonePage = await family.newPage();
  await gotoPaced(phonePage, `${BASE}/en/report`);
  await phonePage.locator('#first_name').fill(given);
  await phonePage.locator('#father_name').fill('Marwan');
  await phonePage.locator('#family_name').fill('Khatib');
  await phonePage.locator('#contact').fill('+000 555 0177');
  await phonePage.getByRole('button', { name: 'Send the report' }).click();
  await phonePage.getByText('Your report has been received').waitFor();
  const code = (await phonePage.locator('#follow-code').innerText()).trim();

  // The caseworker finds the person, reads the reporter's contact (with a reason), and
  // records a determination shared with the family as "please contact us".
  const context = await desk();
  const page = await context.newPage();
  await login(page, 'caseworker');
  await gotoPaced(page, `${BASE}/en/console/persons?q=${encodeURIComponent(given)}`);
  await page.locator('table a[href*="/console/persons/"]').first().click();
  await page.locator('a[href$="/contacts"]').click();
  await page.locator('#reason').fill('e2e: call the family back');
  await page.locator('form.form button[type=submit]').click();
  assert.ok((await page.locator('ul.contacts').innerText()).includes('+000 555 0177'));
  await page.goBack();
  await page.goBack();
  await page.locator('#status').selectOption('alive');
  await page.locator('#evidence').fill('e2e: survivor list of the release, line 4');
  await page.locator('#share').selectOption('contact_us');
  await page.locator('#message').fill('Good news may be waiting: please call the office.');
  await page.locator('#evidence').locator('xpath=ancestor::form').locator('button[type=submit]').click();
  await page.waitForURL(/\/en\/console\/persons\/\d+$/);
  assert.equal((await page.locator('strong.status').innerText()).trim(), 'Alive');
  await page.screenshot({ path: `${ARTIFACTS}/en-console-determination.png`, fullPage: true });
  await context.close();

  // The family follows the case with its code and sees only what was shared.
  await gotoPaced(phonePage, `${BASE}/en/follow`);
  await phonePage.getByLabel('Private code').fill(code);
  await phonePage.getByRole('button', { name: 'Show updates' }).click();
  await phonePage.getByText('please call the office').waitFor();
  const text = await phonePage.locator('main').innerText();
  assert.ok(!text.includes('survivor list'), 'the evidence is never shown to the family');
  await phonePage.screenshot({ path: `${ARTIFACTS}/en-follow-shared-360.png`, fullPage: true });
  await family.close();
});

// Issue 7's "done when", in Arabic: from a fresh demo, a family's report, a list imported in
// the browser that names the same person in Latin letters, the pair confirmed from the review
// queue, and a status shared with the family, which sees it with its code.
const NIZAR = { first: 'نزار', father: 'سليم', family: 'القدسي', mother: 'سلمى', year: '١٩٧٩' };

test('in Arabic: a family report, an imported list, a confirmed match and a shared status update', async () => {
  // The family reports the missing person from a phone and keeps the private code.
  const family = await browser.newContext({ viewport: { width: 360, height: 740 }, javaScriptEnabled: false, locale: 'ar-SY' });
  const phonePage = await family.newPage();
  await gotoPaced(phonePage, `${BASE}/ar/report`);
  await phonePage.locator('#first_name').fill(NIZAR.first);
  await phonePage.locator('#father_name').fill(NIZAR.father);
  await phonePage.locator('#family_name').fill(NIZAR.family);
  await phonePage.locator('#mother_name').fill(NIZAR.mother);
  await phonePage.locator('#birth_year').fill(NIZAR.year);
  await phonePage.locator('#contact').fill('+000 555 0199');
  await phonePage.getByRole('button', { name: 'أرسل البلاغ' }).click();
  await phonePage.getByText('وصلنا بلاغك').waitFor();
  const code = (await phonePage.locator('#follow-code').innerText()).trim();

  // A caseworker imports a prison list (invented rows) in the Arabic console.
  const context = await desk('ar-SY');
  const page = await context.newPage();
  await login(page, 'caseworker', 'ar');
  // The list: thirty rows of the demo's own prison register (already stored: they join their
  // persons) and one invented row naming the reported person in Latin letters, born six years
  // later — the names agree, the birth years cannot both be right, so the engine does not merge
  // them on its own and a caseworker decides.
  const source = unique('e2e-prison-');
  const prison = readFileSync(`${process.env.ATHAR_DEMO_DIR}/lists/prison.csv`, 'utf8').trim().split('\n');
  const header = prison[0].split(',');
  const nizar = header.map((h) => ({
    id: `${source}-1`, first_name: 'Nizar', father_name: 'Salim', family_name: 'Qudsi', birth_year: '1985',
  })[h] ?? '').join(',');
  const csv = `${[prison[0], ...prison.slice(5, 35), nizar].join('\n')}\n`;
  await gotoPaced(page, `${BASE}/ar/console/import`);
  await page.locator('#file').setInputFiles({ name: `${source}.csv`, mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.locator('#source').fill(source);
  await page.locator('form.form button[type=submit]').click();
  await page.locator('dd.rows').waitFor();
  assert.equal((await page.locator('dd.rows').innerText()).trim(), '31');
  await page.locator('#confirm-import').click();
  // The import runs as a job; its page refreshes itself (no JavaScript) until it is done.
  await page.waitForURL(/\/ar\/console\/import\/jobs\/[0-9a-f]{32}\?file=[0-9a-f]{64}$/);
  const jobUrl = page.url();
  await page.locator('dl.job[data-phase="done"]').waitFor({ timeout: 120_000 });
  assert.equal((await page.locator('dd.stored').innerText()).trim(), '31');
  assert.notEqual((await page.locator('dd.reviews').innerText()).trim(), '0', 'the list sent pairs to review');
  assert.equal(await page.locator('meta[http-equiv=refresh]').count(), 0, 'a finished job stops refreshing');
  await page.screenshot({ path: `${ARTIFACTS}/ar-console-import-job.png`, fullPage: true });
  assert.equal((await gotoPaced(page, jobUrl)).status(), 200, 'the job page stays readable');

  // The review queue, only this list's pairs: the family report against the prison record.
  await gotoPaced(page, `${BASE}/ar/console/review?source=${encodeURIComponent(source)}`);
  const row = page.locator('tr', { hasText: NIZAR.family }).filter({ hasText: 'family-reports' });
  assert.equal(await row.count(), 1, 'the pair of the report and the list is queued');
  await row.locator('button[data-review]').click();
  await page.locator('svg.waterfall').waitFor();
  await page.screenshot({ path: `${ARTIFACTS}/ar-console-compare.png`, fullPage: true });
  await page.locator('#reason').fill('e2e: نفس الشخص ونفس الأب، سنة الولادة خطأ في القائمة');
  await page.locator('button[value=confirm]').click();
  await page.waitForURL(/\/ar\/console\/persons\/\d+$/);
  const personUrl = page.url();
  const history = await page.locator('table.history').innerText();
  assert.ok(await page.locator('tr.event.merge').count() > 0, 'the merge is in the history');
  assert.ok(history.includes('e2e: نفس الشخص'));
  const recordsText = await page.locator('main').innerText();
  assert.ok(recordsText.includes(source) && recordsText.includes('family-reports'), 'both records on one person');

  // A status shared with the family: "please contact us", with a message.
  await page.locator('#status').selectOption('detained');
  await page.locator('#evidence').fill(`e2e: ${source}, السطر ٢`);
  await page.locator('#share').selectOption('contact_us');
  await page.locator('#message').fill('لدينا معلومات جديدة: يرجى الاتصال بالمكتب.');
  await page.locator('#evidence').locator('xpath=ancestor::form').locator('button[type=submit]').click();
  await page.waitForURL(personUrl);
  assert.ok((await page.locator('strong.status').innerText()).trim().length > 0);
  await page.screenshot({ path: `${ARTIFACTS}/ar-console-person-shared.png`, fullPage: true });
  await context.close();

  // The family follows the case with its code and sees what was shared, and nothing else.
  await gotoPaced(phonePage, `${BASE}/ar/follow`);
  await phonePage.getByLabel('الرمز الخاص').fill(code);
  await phonePage.getByRole('button', { name: 'اعرض التحديثات' }).click();
  await phonePage.getByText('يرجى الاتصال بالمكتب').waitFor();
  const text = await phonePage.locator('main').innerText();
  assert.ok(!text.includes(source), 'the evidence is never shown to the family');
  await phonePage.screenshot({ path: `${ARTIFACTS}/ar-follow-shared-360.png`, fullPage: true });
  await family.close();
});

// Last: it makes many requests, and the demo rate-limits each client address.
test('an anonymous visitor is refused every console route, in both languages', async () => {
  const context = await desk();
  const page = await context.newPage();
  for (const lang of ['ar', 'en']) {
    for (const path of GETS) {
      await gotoPaced(page, `${BASE}/${lang}${path}`);
      assert.equal(new URL(page.url()).pathname, `/${lang}/console/login`, `GET ${path} (${lang})`);
      assert.ok(!(await page.content()).includes('<table'), 'no data on the login page');
    }
    for (const path of POSTS) {
      const r = await postPaced(context, `${BASE}/${lang}${path}`, { form: { csrf: 'x' }, maxRedirects: 0 });
      // Either sent to the login page, or refused outright as a forged form: never served.
      assert.ok([303, 403].includes(r.status()), `POST ${path} (${lang}): ${r.status()}`);
      if (r.status() === 303) assert.equal(r.headers().location, `/${lang}/console/login`);
    }
  }
  await page.goto(`${BASE}/ar/console/login`);
  assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
  await page.screenshot({ path: `${ARTIFACTS}/ar-console-login.png`, fullPage: true });
  await context.close();
  // Leave the client's rate-limit bucket full again (one request per 500 ms, burst 60) for
  // the specs that run after this one against the same demo.
  await sleep(31_000);
});
