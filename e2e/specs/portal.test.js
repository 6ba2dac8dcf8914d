// The public portal in a real browser on a phone-sized screen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, phone, BASE, ARTIFACTS } from './browser.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// Synthetic Latin names are typed through the form; Arabic names below are invented.
const REPORT = {
  first_name: 'ناصيف',
  father_name: 'عبد الكريم',
  family_name: 'الزيبقي',
  mother_name: 'ربيعة',
  birth_year: '١٩٧٣',
  last_seen_place: 'حاجز القطيفة',
};

test('a family reports a missing person in Arabic on a 360 × 740 screen and receives a code', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  await page.goto(`${BASE}/`);
  assert.equal(await page.getAttribute('html', 'lang'), 'ar');
  assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
  await page.getByRole('link', { name: 'الإبلاغ عن مفقود' }).first().click();
  await page.getByLabel('الاسم', { exact: false }).first().fill(REPORT.first_name);
  await page.getByLabel('اسم الأب').fill(REPORT.father_name);
  await page.getByLabel('الكنية').fill(REPORT.family_name);
  await page.getByLabel('اسم الأم').fill(REPORT.mother_name);
  await page.getByLabel('سنة الولادة').fill(REPORT.birth_year);
  await page.getByLabel('آخر مكان شوهد فيه').fill(REPORT.last_seen_place);
  await page.getByLabel('كيف يمكن للمنظمة التواصل معك؟').fill('+000 123 4567');
  await page.getByRole('button', { name: 'أرسل البلاغ' }).click();
  await page.getByText('وصلنا بلاغك').waitFor();
  const code = (await page.locator('#follow-code').innerText()).trim();
  assert.match(code, /^[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}$/);
  await page.screenshot({ path: `${ARTIFACTS}/ar-report-code-360.png`, fullPage: true });

  // The code works, typed the sloppy way people type it.
  await page.getByRole('link', { name: 'متابعة بلاغ' }).first().click();
  await page.getByLabel('الرمز الخاص').fill(code.toLowerCase().replaceAll('-', ' '));
  await page.getByRole('button', { name: 'اعرض التحديثات' }).click();
  await page.getByText('وصل البلاغ').first().waitFor();
  const text = await page.locator('main').innerText();
  assert.ok(!text.includes(REPORT.first_name), 'the follow page shows no name');
  assert.ok(!text.includes('+000 123 4567'), 'the follow page shows no contact');
  await page.screenshot({ path: `${ARTIFACTS}/ar-follow-360.png`, fullPage: true });
  await context.close();
});

test('a search with too few details is refused', async () => {
  const context = await phone(browser, { locale: 'en-GB' });
  const page = await context.newPage();
  await page.goto(`${BASE}/en/search`);
  await page.getByLabel('Name (given name and family name)').fill('Nasif Zaibaqi');
  await page.getByRole('button', { name: 'Search' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.innerText(), /at least one more detail/);
  const main = await page.locator('main').innerText();
  assert.ok(!main.includes('A possible match exists'));
  assert.ok(!main.includes('No record found'), 'a refused search answers nothing');
  await page.screenshot({ path: `${ARTIFACTS}/en-search-refused-360.png`, fullPage: true });
  await context.close();
});

test('a search that matches reveals nothing but the reference', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  await page.goto(`${BASE}/ar/search`);
  // The person reported in the first test is in the registry now.
  await page.getByLabel('الاسم (الاسم والكنية)').fill(`${REPORT.first_name} ${REPORT.family_name}`);
  await page.getByLabel('اسم الأب').fill(REPORT.father_name);
  await page.getByRole('button', { name: 'ابحث' }).click();
  await page.getByText('يوجد تطابق محتمل').waitFor();
  const main = await page.locator('main').innerText();
  assert.match(main, /R-[0-9A-Z]{5}-[0-9A-Z]{5}/);
  for (const secret of [REPORT.mother_name, REPORT.last_seen_place, '1973', '١٩٧٣', '+000 123 4567']) {
    assert.ok(!main.includes(secret), `the answer reveals ${secret}`);
  }
  await page.screenshot({ path: `${ARTIFACTS}/ar-search-match-360.png`, fullPage: true });

  // A contradicting detail gets the same answer as a name nobody has.
  await page.getByLabel('سنة الولادة').fill('1999');
  await page.getByRole('button', { name: 'ابحث' }).click();
  await page.getByText('لم يُعثر على قيد').waitFor();
  await context.close();
});

test('both languages render at 360 px without horizontal scrolling', async () => {
  const context = await phone(browser, { javaScript: true });
  const page = await context.newPage();
  for (const lang of ['ar', 'en']) {
    for (const path of ['', 'search', 'report', 'survivor', 'tip', 'follow']) {
      await page.goto(`${BASE}/${lang}/${path}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `/${lang}/${path} overflows by ${overflow}px`);
      const scripts = await page.locator('script').count();
      assert.equal(scripts, 0, `/${lang}/${path} has a script`);
    }
    await page.goto(`${BASE}/${lang}/`);
    await page.screenshot({ path: `${ARTIFACTS}/${lang}-home-360.png`, fullPage: true });
    await page.goto(`${BASE}/${lang}/search`);
    await page.screenshot({ path: `${ARTIFACTS}/${lang}-search-360.png`, fullPage: true });
  }
  // The switch is visible and goes to the same page in the other language.
  await page.goto(`${BASE}/ar/tip`);
  await page.getByRole('link', { name: 'English' }).click();
  assert.equal(new URL(page.url()).pathname, '/en/tip');
  assert.equal(await page.getAttribute('html', 'dir'), 'ltr');
  await context.close();
});

test('a survivor registers with only a prison number, and a tip can be anonymous (English)', async () => {
  const context = await phone(browser, { locale: 'en-GB' });
  const page = await context.newPage();
  await page.goto(`${BASE}/en/survivor`);
  await page.getByLabel('Prison number').fill('77120');
  await page.getByLabel('Prison, branch or place of detention').fill('Branch 215');
  await page.getByRole('button', { name: 'Register' }).click();
  await page.getByText('Your report has been received').waitFor();
  await page.screenshot({ path: `${ARTIFACTS}/en-survivor-code-360.png`, fullPage: true });
  await page.goto(`${BASE}/en/tip`);
  await page.getByLabel('Which place (optional)').fill('Block B');
  await page.getByLabel('What do you know?').fill('A sealed door under block B; voices heard at night.');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.getByText('Thank you').first().waitFor();
  await context.close();
});
