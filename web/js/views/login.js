// Sign in / create account form.

import { $ } from '../dom.js';
import { bannedText } from './moderation_notice.js';

const USERNAME_RE = /^[A-Za-z0-9_.-]{2,32}$/;

export class LoginView {
  /** onSubmit(mode, username, password) → Promise (rejects with an ApiError) */
  constructor({ onSubmit }) {
    this.onSubmit = onSubmit;
    this.mode = 'login';
    this.view = $('#login-view');
    this.form = $('#login-form');
    this.user = $('#login-username');
    this.pass = $('#login-password');
    this.error = $('#login-error');
    this.submitBtn = $('#login-submit');
    $('#login-switch').addEventListener('click', () => this.setMode(this.mode === 'login' ? 'register' : 'login'));
    this.form.addEventListener('submit', (e) => { e.preventDefault(); this.submit(); });
  }

  show() {
    this.view.hidden = false;
    this.pass.value = '';
    this.setError('');
    this.user.focus();
  }

  hide() { this.view.hidden = true; }

  setMode(mode) {
    this.mode = mode;
    const reg = mode === 'register';
    $('#login-title').textContent = reg ? 'Create an account' : 'Sign in';
    this.submitBtn.textContent = reg ? 'Create account' : 'Sign in';
    $('#login-switch-text').textContent = reg ? 'Already have an account?' : 'New here?';
    $('#login-switch').textContent = reg ? 'Sign in' : 'Create an account';
    $('#login-hint').hidden = !reg;
    this.pass.autocomplete = reg ? 'new-password' : 'current-password';
    this.setError('');
    this.user.focus();
  }

  setError(msg) {
    this.error.textContent = msg;
    this.error.hidden = !msg;
    this.user.setAttribute('aria-invalid', msg ? 'true' : 'false');
  }

  async submit() {
    const username = this.user.value.trim();
    const password = this.pass.value;
    if (!USERNAME_RE.test(username)) return this.setError('Usernames are 2–32 letters, digits, “_”, “.” or “-”.');
    if (this.mode === 'register' && (password.length < 8 || new TextEncoder().encode(password).length > 72)) {
      return this.setError('Passwords are 8 to 72 bytes long.');
    }
    if (!password) return this.setError('Enter your password.');
    this.setError('');
    this.submitBtn.disabled = true;
    try {
      await this.onSubmit(this.mode, username, password);
    } catch (e) {
      let msg = e.message || 'Something went wrong.';
      if (e.code === 'invalid_credentials') msg = 'Wrong username or password.';
      if (e.code === 'conflict') msg = 'That username is taken.';
      if (e.code === 'banned') msg = bannedText(e.body ?? {});
      if (e.code === 'rate_limited') msg = `Too many attempts. Try again${e.retryAfter ? ` in ${e.retryAfter} s` : ' later'}.`;
      this.setError(msg);
    } finally {
      this.submitBtn.disabled = false;
    }
  }
}
