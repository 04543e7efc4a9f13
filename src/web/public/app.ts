import {
  acceptedFields,
  chainBody,
  defaultModel,
  describeQuote,
  describeSegment,
  describeStatus,
  durationChoices,
  explainError,
  explainUnsuccessful,
  extendHint,
  type Explanation,
  formatCredits,
  formatElapsed,
  generationBody,
  type GenerationView,
  IMAGE_TYPES,
  isSelectable,
  modelBadges,
  modelLabel,
  type ModelView,
  type Quote,
  refundSentence,
  type ServiceError,
  TERMINAL,
} from './page-logic.js';
import type {
  Balance,
  ErrorBody,
  GenerationEvent,
  GenerationPage,
  LedgerPage,
  ModelList,
  PresignedImageUpload,
  StreamToken,
  UploadedImage,
} from '../../common/api-contract.js';

/** The browser front end: everything goes through the public API with the signed-in user's token. */

const TOKEN_KEY = 'video-gen.token';
const PAGE_SIZE = 10;

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from the page`);
  return element as T;
};

class ApiError extends Error implements ServiceError {
  constructor(
    readonly status: number,
    override readonly message: string,
    readonly body?: { message?: string | string[] },
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------- state

let token: string | undefined = sessionStorage.getItem(TOKEN_KEY) ?? undefined;
let models: ModelView[] = [];
let image: { key: string; width: number; height: number } | undefined;
let quoteProblem: ServiceError | undefined;
let quoteSequence = 0;
/** One key per distinct request: a retried click after a lost answer is not charged twice. */
let pending: { body: string; key: string } | undefined;
let current: GenerationView | undefined;
let stream: EventSource | undefined;
let elapsedTimer: number | undefined;
let historyCursor: string | null = null;
let ledgerCursor: string | null = null;

// ---------------------------------------------------------------- API

async function api<T>(
  path: string,
  init: { method?: string; json?: unknown; body?: BodyInit; headers?: Record<string, string> } = {},
): Promise<T> {
  const headers: Record<string, string> = { ...init.headers };
  if (token) headers.Authorization = `Bearer ${token}`;
  let body = init.body;
  if (init.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(init.json);
  }
  let response: Response;
  try {
    response = await fetch(path, { method: init.method ?? 'GET', headers, body });
  } catch {
    throw new ApiError(0, 'no answer from the service');
  }
  if (response.status === 204) return undefined as T;
  const data = (await response.json().catch(() => undefined)) as Partial<ErrorBody> | undefined;
  if (!response.ok) {
    const message = data?.message ?? response.statusText;
    throw new ApiError(response.status, Array.isArray(message) ? message.join('; ') : message, data);
  }
  return data as T;
}

// ---------------------------------------------------------------- messages

function showError(explanation: Explanation): void {
  const box = $('error');
  box.replaceChildren(paragraph(explanation.message), paragraph(explanation.next, 'hint'));
  box.hidden = false;
}

function clearError(): void {
  delete $('error').dataset.kind;
  $('error').hidden = true;
  $('error').replaceChildren();
}

function report(error: unknown): void {
  if (error instanceof ApiError) {
    showError(explainError(error));
    if (error.status === 401) signOut(false);
    return;
  }
  showError({
    message: `Something went wrong in the page: ${(error as Error).message}`,
    next: 'Reload the page and try again.',
  });
}

function paragraph(text: string, className?: string): HTMLParagraphElement {
  const p = document.createElement('p');
  p.textContent = text;
  if (className) p.className = className;
  return p;
}

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text?: string,
  className?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function button(text: string, onClick: () => void, className = 'secondary'): HTMLButtonElement {
  const b = element('button', text, className);
  b.type = 'button';
  b.addEventListener('click', onClick);
  return b;
}

// ---------------------------------------------------------------- sign-in

async function useToken(value: string): Promise<void> {
  clearError();
  token = value.trim();
  try {
    const me = await api<{ id: string }>('/auth/me');
    sessionStorage.setItem(TOKEN_KEY, token);
    $('user-name').textContent = `Signed in as ${me.id}`;
    showSignedIn(true);
    await Promise.all([refreshBalance(), loadModels(), loadHistory(true), loadLedger(true)]);
  } catch (error) {
    token = undefined;
    sessionStorage.removeItem(TOKEN_KEY);
    report(error);
  }
}

function signOut(clear = true): void {
  token = undefined;
  sessionStorage.removeItem(TOKEN_KEY);
  stream?.close();
  showSignedIn(false);
  if (clear) clearError();
}

function showSignedIn(signedIn: boolean): void {
  $('signin').hidden = signedIn;
  $('account').hidden = !signedIn;
  for (const id of ['create', 'history', 'ledger']) $(id).hidden = !signedIn;
  if (!signedIn) $('current').hidden = true;
}

// ---------------------------------------------------------------- balance and ledger

async function refreshBalance(): Promise<void> {
  const { balance } = await api<Balance>('/credits/balance');
  $('balance').textContent = formatCredits(balance);
}

async function loadLedger(reset: boolean): Promise<void> {
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (!reset && ledgerCursor) query.set('cursor', ledgerCursor);
  const page = await api<LedgerPage>(`/credits/ledger?${query}`);
  const list = $('ledger-list');
  if (reset) list.replaceChildren();
  for (const entry of page.entries) {
    const sign = entry.amount > 0 ? '+' : '';
    const when = new Date(entry.createdAt).toLocaleString();
    list.append(
      element(
        'li',
        `${when} · ${entry.type.toLowerCase()} ${sign}${formatCredits(entry.amount)} → ${formatCredits(entry.balanceAfter)} · ${entry.reason}`,
      ),
    );
  }
  ledgerCursor = page.nextCursor;
  $('ledger-more').hidden = !ledgerCursor;
}

// ---------------------------------------------------------------- images

async function uploadImage(file: File): Promise<void> {
  clearError();
  const status = $('upload-status');
  status.textContent = `Uploading ${file.name}…`;
  try {
    // A type the bucket would refuse anyway goes the multipart way, where the service reads the bytes and says
    // exactly what is wrong with them.
    const uploaded = IMAGE_TYPES.includes(file.type) ? await uploadDirect(file) : await uploadMultipart(file);
    image = { key: uploaded.key, width: uploaded.width, height: uploaded.height };
    const preview = $<HTMLImageElement>('preview-img');
    if (preview.src.startsWith('blob:')) URL.revokeObjectURL(preview.src);
    preview.src = URL.createObjectURL(file);
    $('image-info').textContent =
      `${file.name}: ${uploaded.width}×${uploaded.height}, ${Math.ceil(uploaded.bytes / 1024)} KB`;
    $('preview').hidden = false;
    status.textContent = 'Image uploaded.';
    chooseDefaultModelIfNeeded();
    formChanged();
  } catch (error) {
    status.textContent = 'The image was not uploaded.';
    report(error);
  }
}

/** Straight to the bucket with a presigned PUT, then checked by the service; multipart if the bucket is unreachable. */
async function uploadDirect(file: File): Promise<UploadedImage> {
  const presigned = await api<PresignedImageUpload>('/uploads/images/presign', {
    method: 'POST',
    json: { contentType: file.type, bytes: file.size },
  });
  // Content-Length is set by the browser itself (and equals file.size, which the signature holds).
  const headers = Object.fromEntries(
    Object.entries(presigned.headers).filter(([name]) => name.toLowerCase() !== 'content-length'),
  );
  let put: Response | undefined;
  try {
    put = await fetch(presigned.url, { method: 'PUT', headers, body: file });
  } catch {
    put = undefined;
  }
  if (!put?.ok) return uploadMultipart(file);
  return api<UploadedImage>('/uploads/images/complete', { method: 'POST', json: { key: presigned.key } });
}

function uploadMultipart(file: File): Promise<UploadedImage> {
  const form = new FormData();
  form.append('file', file);
  return api<UploadedImage>('/uploads/images', { method: 'POST', body: form });
}

function clearImage(): void {
  image = undefined;
  $('preview').hidden = true;
  $<HTMLInputElement>('image-input').value = '';
  $('upload-status').textContent = '';
  formChanged();
}

function drawCropBox(): void {
  const crop = readCrop();
  const box = $('crop-box');
  box.style.left = `${crop.left * 100}%`;
  box.style.top = `${crop.top * 100}%`;
  box.style.width = `${Math.max(0, crop.right - crop.left) * 100}%`;
  box.style.height = `${Math.max(0, crop.bottom - crop.top) * 100}%`;
  box.hidden = $('field-crop').hidden;
}

function readCrop() {
  const value = (id: string) => Number($<HTMLInputElement>(id).value);
  return {
    left: value('crop-left'),
    top: value('crop-top'),
    right: value('crop-right'),
    bottom: value('crop-bottom'),
  };
}

// ---------------------------------------------------------------- models and the form

async function loadModels(): Promise<void> {
  ({ models } = await api<ModelList>('/video-gen/models'));
  const select = $<HTMLSelectElement>('model-select');
  select.replaceChildren(
    ...models.map((model) => {
      const option = new Option(modelLabel(model), model.name);
      option.disabled = !isSelectable(model);
      return option;
    }),
  );
  const chosen = defaultModel(models, image !== undefined);
  if (chosen) select.value = chosen.name;
  modelChanged();
}

function chooseDefaultModelIfNeeded(): void {
  const model = selectedModel();
  if (model && image && !model.kinds.includes('image-to-video')) {
    const better = defaultModel(models, true);
    if (better) $<HTMLSelectElement>('model-select').value = better.name;
    modelChanged();
  }
}

function fillOptions(select: HTMLSelectElement, values: string[], preferred?: string): void {
  const previous = select.value;
  select.replaceChildren(...values.map((value) => new Option(value, value)));
  if (values.includes(previous)) select.value = previous;
  else if (preferred && values.includes(preferred)) select.value = preferred;
}

function selectedModel(): ModelView | undefined {
  return models.find((model) => model.name === $<HTMLSelectElement>('model-select').value);
}

function modelChanged(): void {
  const model = selectedModel();
  const info = $('model-info');
  info.replaceChildren();
  if (!model) return;
  for (const badge of modelBadges(model)) info.append(element('span', badge.text, `badge ${badge.tone}`));
  const segments = model.segmentDurations.map((s) => `${s} s`).join(', ');
  const sizes = model.sizes ? ` Sizes: ${model.sizes.join(', ')}.` : '';
  info.append(` ${model.description ?? ''} Segments of ${segments}.${sizes}`);
  if (model.lifecycle?.replacement) info.append(` Use ${model.lifecycle.replacement} instead.`);
  if (model.lifecycle?.note) info.append(` ${model.lifecycle.note}`);
  if (!model.available && model.missingSettings.length > 0)
    info.append(` Needs ${model.missingSettings.join(', ')} on the server.`);

  const durations = durationChoices(model);
  fillOptions($<HTMLSelectElement>('duration-select'), durations, '8s');
  fillOptions($<HTMLSelectElement>('extend-duration'), durations, '5s');
  const accepts = acceptedFields(model, image !== undefined);
  $('field-aspect').hidden = accepts.aspectRatios.length === 0;
  fillOptions($<HTMLSelectElement>('aspect-select'), accepts.aspectRatios, model.defaults?.aspectRatio);
  $('field-resolution').hidden = accepts.resolutions.length === 0;
  fillOptions($<HTMLSelectElement>('resolution-select'), accepts.resolutions, model.defaults?.resolution);
  $('field-seed').hidden = !accepts.seed;
  $('field-negative').hidden = !accepts.negativePrompt;
  $('field-audio').hidden = !accepts.audio;
  if (accepts.audio) $<HTMLInputElement>('audio-input').checked = model.defaults?.generateAudio ?? false;
  $('field-frame').hidden = !accepts.frameIndex;
  $('field-crop').hidden = !accepts.crop;
  $('no-advanced').hidden =
    accepts.seed || accepts.negativePrompt || accepts.audio || accepts.frameIndex || accepts.crop;
  drawCropBox();
  formChanged();
}

function currentBody(): Record<string, unknown> | undefined {
  const model = selectedModel();
  if (!model) return undefined;
  const value = (id: string) => $<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>(id).value;
  const accepts = acceptedFields(model, image !== undefined);
  return generationBody({
    model,
    imageKey: image?.key,
    prompt: value('prompt-input'),
    duration: value('duration-select'),
    aspectRatio: accepts.aspectRatios.length ? value('aspect-select') : undefined,
    resolution: accepts.resolutions.length ? value('resolution-select') : undefined,
    generateAudio: accepts.audio ? $<HTMLInputElement>('audio-input').checked : undefined,
    negativePrompt: value('negative-input'),
    seed: value('seed-input'),
    frameIndex: value('frame-input'),
    crop: readCrop(),
  });
}

let quoteTimer: number | undefined;

function formChanged(): void {
  drawCropBox();
  window.clearTimeout(quoteTimer);
  quoteTimer = window.setTimeout(() => void refreshQuote(), 250);
  chainChanged();
}

/** `asked`: Generate was pressed, so even a blank prompt goes to the service, whose message is then shown. */
async function refreshQuote(asked = false): Promise<void> {
  const body = currentBody();
  const box = $('quote');
  const generate = $<HTMLButtonElement>('generate');
  if (!body || !token) return;
  const sequence = ++quoteSequence;
  if (!asked && String(body.prompt).trim() === '') {
    box.textContent = 'Write a prompt to see the price.';
    box.classList.remove('bad');
    generate.disabled = false;
    return;
  }
  generate.disabled = true;
  try {
    const quote = await api<Quote>('/video-gen/quote', { method: 'POST', json: body });
    if (sequence !== quoteSequence) return;
    quoteProblem = quote.sufficient ? undefined : { status: 400, message: describeQuote(quote) };
    box.textContent = describeQuote(quote);
    box.classList.toggle('bad', !quote.sufficient);
    generate.disabled = !quote.sufficient;
  } catch (error) {
    if (sequence !== quoteSequence) return;
    const problem: ServiceError = error instanceof ApiError ? error : { status: 0, message: String(error) };
    quoteProblem = problem;
    const explanation = explainError(problem);
    box.textContent = `${explanation.message} ${explanation.next}`;
    box.classList.add('bad');
    // Still clickable: Generate then shows the problem instead of sending anything.
    generate.disabled = false;
    if (problem.status === 401) report(error);
  }
}

async function generate(event: Event): Promise<void> {
  event.preventDefault();
  clearError();
  window.clearTimeout(quoteTimer);
  await refreshQuote(true);
  if (quoteProblem) {
    showError(explainError(quoteProblem));
    return;
  }
  const body = currentBody();
  if (!body) return;
  await create('/video-gen/generations', body);
}

/** Creates a generation (or chain, or extension) with an Idempotency-Key, then follows it. */
async function create(path: string, body: Record<string, unknown>): Promise<void> {
  const text = JSON.stringify({ path, body });
  if (pending?.body !== text) pending = { body: text, key: crypto.randomUUID() };
  try {
    const view = await api<GenerationView>(path, {
      method: 'POST',
      json: body,
      headers: { 'Idempotency-Key': pending.key },
    });
    pending = undefined;
    await Promise.all([refreshBalance(), loadHistory(true), loadLedger(true)]);
    await follow(view);
  } catch (error) {
    if (error instanceof ApiError && error.status !== 0) pending = undefined;
    report(error);
  }
}

// ---------------------------------------------------------------- progress and result

async function follow(view: GenerationView): Promise<void> {
  stream?.close();
  stream = undefined;
  render(view);
  $('current').hidden = false;
  $('current').scrollIntoView({ block: 'nearest' });
  if (TERMINAL.has(view.status)) return;
  await openStream(view.id, 0);
}

async function openStream(id: string, attempt: number): Promise<void> {
  let streamToken: string;
  try {
    ({ token: streamToken } = await api<StreamToken>(
      `/video-gen/generations/${encodeURIComponent(id)}/stream-token`,
      { method: 'POST' },
    ));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return report(error);
    // No stream to be had (an older server, a proxy that drops it): ask for the status instead.
    return poll(id);
  }
  if (current?.id !== id) return;
  // EventSource cannot send a header: the short-lived stream token goes in the query instead of the JWT.
  const source = new EventSource(
    `/video-gen/generations/${encodeURIComponent(id)}/events?access_token=${encodeURIComponent(streamToken)}`,
  );
  stream = source;
  source.addEventListener('status', (event) => {
    attempt = 0;
    connectionBack();
    render(JSON.parse((event as MessageEvent<string>).data) as GenerationEvent);
  });
  source.addEventListener('end', () => {
    source.close();
    if (stream === source) stream = undefined;
    void finished();
  });
  source.addEventListener('error', () => {
    // The browser retries by itself while the connection is merely interrupted; a closed stream needs a new token.
    if (source.readyState !== EventSource.CLOSED || stream !== source) return;
    stream = undefined;
    if (attempt >= 2) return void poll(id);
    window.setTimeout(() => void openStream(id, attempt + 1), 1000 * 2 ** attempt);
  });
}

/** Follows a generation by asking for its status, riding out a lost connection until the service answers again. */
async function poll(id: string): Promise<void> {
  let failures = 0;
  while (current?.id === id && !TERMINAL.has(current.status) && token) {
    await new Promise((done) => window.setTimeout(done, Math.min(1000 * 2 ** failures, 10_000)));
    try {
      const view = await api<GenerationView>(`/video-gen/generations/${encodeURIComponent(id)}`);
      failures = 0;
      connectionBack();
      if (current?.id === id) render(view);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 0) return report(error);
      failures += 1;
      showError(explainError(error));
      $('error').dataset.kind = 'connection';
    }
  }
  if (current?.id === id) await finished();
}

function connectionBack(): void {
  if ($('error').dataset.kind === 'connection') clearError();
}

async function finished(): Promise<void> {
  formChanged(); // the quote shows the balance
  try {
    await Promise.all([refreshBalance(), loadHistory(true), loadLedger(true)]);
  } catch (error) {
    report(error);
  }
}

function render(view: GenerationView): void {
  const changedGeneration = current?.id !== view.id;
  current = view;
  $('progress-status').textContent =
    `${view.kind} with ${view.model}: ${describeStatus(view)}. “${view.prompt}”`;
  $('progress-segments').replaceChildren(
    ...view.segments.map((segment) => {
      const item = element('li', describeSegment(segment, view.segments.length));
      const bar = element('progress');
      bar.max = 100;
      bar.value = segment.status === 'succeeded' || segment.status === 'done' ? 100 : (segment.progress ?? 0);
      bar.setAttribute('aria-label', `Segment ${segment.index + 1} progress`);
      item.append(bar);
      return item;
    }),
  );
  const { reserved, used, refunded } = view.credits;
  $('progress-credits').textContent =
    `Credits: ${formatCredits(reserved)} reserved, ${formatCredits(used)} charged, ${formatCredits(refunded)} refunded.`;
  updateElapsed();
  window.clearInterval(elapsedTimer);
  if (!TERMINAL.has(view.status)) elapsedTimer = window.setInterval(updateElapsed, 1000);
  $('cancel').hidden = TERMINAL.has(view.status);

  const result = $('result');
  if (view.status === 'succeeded' && view.videoUrl) {
    const video = $<HTMLVideoElement>('result-video');
    if (changedGeneration || result.hidden) {
      video.src = view.videoUrl;
      if (view.thumbnailUrl) video.poster = view.thumbnailUrl;
      $<HTMLImageElement>('result-thumb').src = view.thumbnailUrl ?? '';
      $<HTMLImageElement>('result-thumb').hidden = !view.thumbnailUrl;
      $<HTMLAnchorElement>('result-download').href = view.videoUrl;
      $('extend-hint').textContent = extendHint(models.find((model) => model.name === view.model));
      result.hidden = false;
      void video.play().catch(() => undefined);
    }
  } else {
    result.hidden = true;
  }
  if (view.status === 'failed' || view.status === 'cancelled') showError(explainUnsuccessful(view));
}

function updateElapsed(): void {
  if (!current) return;
  const end = current.completedAt ? Date.parse(current.completedAt) : Date.now();
  $('progress-elapsed').textContent = `Elapsed: ${formatElapsed(end - Date.parse(current.createdAt))}`;
}

async function cancel(id: string): Promise<void> {
  clearError();
  try {
    const view = await api<GenerationView>(`/video-gen/generations/${encodeURIComponent(id)}/cancel`, {
      method: 'POST',
    });
    if (current?.id === id) {
      stream?.close();
      stream = undefined;
      render(view);
    }
    await finished();
  } catch (error) {
    report(error);
  }
}

async function extend(event: Event): Promise<void> {
  event.preventDefault();
  clearError();
  if (!current) return;
  const body: Record<string, unknown> = {
    prompt: $<HTMLInputElement>('extend-prompt').value,
    duration: $<HTMLSelectElement>('extend-duration').value,
  };
  await create(`/video-gen/generations/${encodeURIComponent(current.id)}/extend`, body);
}

// ---------------------------------------------------------------- history

async function loadHistory(reset: boolean): Promise<void> {
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  const status = $<HTMLSelectElement>('history-filter').value;
  if (status) query.set('status', status);
  if (!reset && historyCursor) query.set('cursor', historyCursor);
  const page = await api<GenerationPage>(`/video-gen/generations?${query}`);
  const list = $('history-list');
  if (reset) list.replaceChildren();
  for (const view of page.items) list.append(historyItem(view));
  if (reset && page.items.length === 0)
    list.append(element('li', status ? `No ${status} videos.` : 'No videos yet.'));
  historyCursor = page.nextCursor ?? null;
  $('history-more').hidden = !historyCursor;
}

function historyItem(view: GenerationView): HTMLLIElement {
  const item = element('li');
  item.dataset.testid = 'history-item';
  item.dataset.id = view.id;
  item.dataset.status = view.status;
  if (view.thumbnailUrl) {
    const thumb = element('img', undefined, 'thumb');
    thumb.src = view.thumbnailUrl;
    thumb.alt = '';
    item.append(thumb);
  }
  item.append(
    element(
      'span',
      `${view.status} · ${view.model} · ${view.duration} · ${new Date(view.createdAt).toLocaleString()} · “${view.prompt}”`,
    ),
  );
  if (view.status === 'failed' || view.status === 'cancelled')
    item.append(element('span', refundSentence(view), 'hint'));
  item.append(button('Open', () => void open(view.id)));
  if (!TERMINAL.has(view.status)) item.append(button('Cancel', () => void cancel(view.id)));
  else item.append(button('Delete', () => void remove(view.id)));
  return item;
}

async function open(id: string): Promise<void> {
  clearError();
  try {
    await follow(await api<GenerationView>(`/video-gen/generations/${encodeURIComponent(id)}`));
  } catch (error) {
    report(error);
  }
}

async function remove(id: string): Promise<void> {
  clearError();
  try {
    await api(`/video-gen/generations/${encodeURIComponent(id)}`, { method: 'DELETE' });
    if (current?.id === id) {
      current = undefined;
      $('current').hidden = true;
    }
    await loadHistory(true);
  } catch (error) {
    report(error);
  }
}

// ---------------------------------------------------------------- chain builder

function addChainPrompt(text = ''): void {
  const list = $('chain-prompts');
  const index = list.children.length + 1;
  const item = element('li');
  const label = element('label', `Prompt ${index}`);
  const input = element('textarea');
  input.id = `chain-prompt-${index}`;
  input.rows = 2;
  input.maxLength = 4000;
  input.value = text;
  input.dataset.testid = 'chain-prompt';
  label.htmlFor = input.id;
  input.addEventListener('input', chainChanged);
  item.append(label, input);
  list.append(item);
  chainChanged();
}

function currentChainBody(): Record<string, unknown> | undefined {
  const model = selectedModel();
  if (!model) return undefined;
  return chainBody({
    model,
    imageKey: image?.key,
    prompts: [...$('chain-prompts').querySelectorAll('textarea')].map((t) => t.value),
    totalDuration: $<HTMLInputElement>('chain-total').value,
    transition: $<HTMLSelectElement>('chain-transition').value,
  });
}

let chainTimer: number | undefined;
let chainProblem: ServiceError | undefined;

function chainChanged(): void {
  if (!($('chain') as HTMLDetailsElement).open) return;
  window.clearTimeout(chainTimer);
  chainTimer = window.setTimeout(() => void refreshChainQuote(), 250);
}

async function refreshChainQuote(asked = false): Promise<void> {
  const body = currentChainBody();
  if (!body || !token) return;
  const box = $('chain-quote');
  if (!asked && (body.prompts as string[]).every((prompt) => prompt === '')) {
    box.textContent = 'Write the prompts to see the price.';
    box.classList.remove('bad');
    $<HTMLButtonElement>('chain-generate').disabled = false;
    return;
  }
  try {
    const quote = await api<Quote>('/video-gen/chains/quote', { method: 'POST', json: body });
    chainProblem = quote.sufficient ? undefined : { status: 400, message: describeQuote(quote) };
    box.textContent = describeQuote(quote);
    box.classList.toggle('bad', !quote.sufficient);
  } catch (error) {
    chainProblem = error instanceof ApiError ? error : { status: 0, message: String(error) };
    const explanation = explainError(chainProblem);
    box.textContent = `${explanation.message} ${explanation.next}`;
    box.classList.add('bad');
  }
  $<HTMLButtonElement>('chain-generate').disabled = false;
}

async function generateChain(): Promise<void> {
  clearError();
  window.clearTimeout(chainTimer);
  await refreshChainQuote(true);
  if (chainProblem) {
    showError(explainError(chainProblem));
    return;
  }
  const body = currentChainBody();
  if (body) await create('/video-gen/chains', body);
}

// ---------------------------------------------------------------- wiring

function wire(): void {
  if (document.body.dataset.devSignin === 'true') $('dev-form').hidden = false;
  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void useToken($<HTMLTextAreaElement>('token-input').value);
  });
  $('dev-form').addEventListener('submit', (event) => {
    event.preventDefault();
    clearError();
    void api<{ token: string }>('/auth/dev-token', {
      method: 'POST',
      json: { sub: $<HTMLInputElement>('dev-name').value.trim() },
    }).then((answer) => useToken(answer.token), report);
  });
  $('sign-out').addEventListener('click', () => signOut());

  const fileInput = $<HTMLInputElement>('image-input');
  fileInput.accept = IMAGE_TYPES.join(',');
  fileInput.addEventListener('change', () => {
    const file = fileInput.files?.[0];
    if (file) void uploadImage(file);
  });
  const drop = $('drop');
  drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    const file = event.dataTransfer?.files[0];
    if (file) void uploadImage(file);
  });
  $('image-clear').addEventListener('click', clearImage);

  $('model-select').addEventListener('change', modelChanged);
  for (const id of [
    'prompt-input',
    'duration-select',
    'aspect-select',
    'resolution-select',
    'seed-input',
    'negative-input',
    'audio-input',
    'frame-input',
    'crop-left',
    'crop-top',
    'crop-right',
    'crop-bottom',
  ]) {
    $(id).addEventListener('input', formChanged);
    $(id).addEventListener('change', formChanged);
  }
  $('gen-form').addEventListener('submit', (event) => void generate(event));
  $('cancel').addEventListener('click', () => {
    if (current) void cancel(current.id);
  });
  $('extend-form').addEventListener('submit', (event) => void extend(event));

  $('history-filter').addEventListener('change', () => void loadHistory(true).catch(report));
  $('history-more').addEventListener('click', () => void loadHistory(false).catch(report));
  $('ledger-more').addEventListener('click', () => void loadLedger(false).catch(report));

  $('chain').addEventListener('toggle', chainChanged);
  $('chain-add').addEventListener('click', () => addChainPrompt());
  $('chain-total').addEventListener('input', chainChanged);
  $('chain-transition').addEventListener('change', chainChanged);
  $('chain-generate').addEventListener('click', () => void generateChain());
  addChainPrompt();
  addChainPrompt();

  if (token) void useToken(token);
  else showSignedIn(false);
}

wire();
