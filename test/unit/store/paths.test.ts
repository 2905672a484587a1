/**
 * Where openclaw 2026.9.x keeps its files: state dir precedence, `~` expansion, the legacy
 * `.clawdbot` dir, the config path, agent dirs and `~/...` display. Every case runs on fresh temp
 * dirs; nothing reads the real home.
 */
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { agentDir, displayPath, resolvePaths } from '../../../src/store/paths';

describe('paths', () => {
  let root: string;
  let home: string;
  let ocHome: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'oca-paths-'));
    home = path.join(root, 'home');
    ocHome = path.join(root, 'ochome');
    fs.mkdirSync(home);
    fs.mkdirSync(ocHome);
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  describe('resolvePaths: state dir precedence', () => {
    it('the extension setting wins over OPENCLAW_STATE_DIR, OPENCLAW_HOME and HOME', () => {
      const p = resolvePaths({
        stateDirSetting: path.join(root, 'from-setting'),
        env: { HOME: home, OPENCLAW_HOME: ocHome, OPENCLAW_STATE_DIR: path.join(root, 'from-env') },
      });
      assert.equal(p.stateDir, path.join(root, 'from-setting'));
      assert.equal(p.stateDirSource, 'setting');
    });

    it('OPENCLAW_STATE_DIR wins over OPENCLAW_HOME and HOME; a blank setting is ignored', () => {
      const p = resolvePaths({
        stateDirSetting: '   ',
        env: { HOME: home, OPENCLAW_HOME: ocHome, OPENCLAW_STATE_DIR: path.join(root, 'from-env') },
      });
      assert.equal(p.stateDir, path.join(root, 'from-env'));
      assert.equal(p.stateDirSource, 'OPENCLAW_STATE_DIR');
      assert.equal(p.home, ocHome, 'home is still OPENCLAW_HOME');
    });

    it('OPENCLAW_HOME/.openclaw wins over HOME/.openclaw', () => {
      const p = resolvePaths({ env: { HOME: home, OPENCLAW_HOME: ocHome } });
      assert.equal(p.stateDir, path.join(ocHome, '.openclaw'));
      assert.equal(p.stateDirSource, 'OPENCLAW_HOME');
      assert.equal(p.home, ocHome);
    });

    it('otherwise HOME/.openclaw; blank variables count as unset', () => {
      const p = resolvePaths({ env: { HOME: home, OPENCLAW_HOME: ' ', OPENCLAW_STATE_DIR: '' } });
      assert.equal(p.stateDir, path.join(home, '.openclaw'));
      assert.equal(p.stateDirSource, 'home');
      assert.equal(p.home, home);
    });

    it('derived files live in the state dir', () => {
      const p = resolvePaths({ env: { HOME: home } });
      const sd = path.join(home, '.openclaw');
      assert.equal(p.configPath, path.join(sd, 'openclaw.json'));
      assert.equal(p.sharedDb, path.join(sd, 'state', 'openclaw.sqlite'));
      assert.equal(p.envFile, path.join(sd, '.env'));
    });
  });

  describe('resolvePaths: ~ expansion', () => {
    it('~ in OPENCLAW_HOME expands to HOME', () => {
      const p = resolvePaths({ env: { HOME: home, OPENCLAW_HOME: '~/alt' } });
      assert.equal(p.home, path.join(home, 'alt'));
      assert.equal(p.stateDir, path.join(home, 'alt', '.openclaw'));
    });

    it('~ in OPENCLAW_STATE_DIR expands to HOME, or to OPENCLAW_HOME when that is set', () => {
      assert.equal(
        resolvePaths({ env: { HOME: home, OPENCLAW_STATE_DIR: '~/state-x' } }).stateDir,
        path.join(home, 'state-x'),
      );
      assert.equal(
        resolvePaths({ env: { HOME: home, OPENCLAW_HOME: ocHome, OPENCLAW_STATE_DIR: '~/state-x' } }).stateDir,
        path.join(ocHome, 'state-x'),
      );
      assert.equal(resolvePaths({ env: { HOME: home, OPENCLAW_STATE_DIR: '~' } }).stateDir, home);
    });

    it('~ in the setting expands too; "~name" is not a home reference', () => {
      assert.equal(
        resolvePaths({ stateDirSetting: '~/from-setting', env: { HOME: home } }).stateDir,
        path.join(home, 'from-setting'),
      );
      assert.equal(
        resolvePaths({ env: { HOME: home, OPENCLAW_STATE_DIR: '~other/x' } }).stateDir,
        path.resolve('~other/x'),
      );
    });
  });

  describe('resolvePaths: legacy .clawdbot', () => {
    it('used when .openclaw is absent and .clawdbot exists', () => {
      fs.mkdirSync(path.join(home, '.clawdbot'));
      const p = resolvePaths({ env: { HOME: home } });
      assert.equal(p.stateDir, path.join(home, '.clawdbot'));
      assert.equal(p.sharedDb, path.join(home, '.clawdbot', 'state', 'openclaw.sqlite'));
    });

    it('not used once .openclaw exists', () => {
      fs.mkdirSync(path.join(home, '.clawdbot'));
      fs.mkdirSync(path.join(home, '.openclaw'));
      assert.equal(resolvePaths({ env: { HOME: home } }).stateDir, path.join(home, '.openclaw'));
    });

    it('with neither, the new .openclaw path (it need not exist)', () => {
      assert.equal(resolvePaths({ env: { HOME: home } }).stateDir, path.join(home, '.openclaw'));
    });

    it('looked up under OPENCLAW_HOME, not HOME, and never when OPENCLAW_STATE_DIR is set', () => {
      fs.mkdirSync(path.join(home, '.clawdbot'));
      assert.equal(
        resolvePaths({ env: { HOME: home, OPENCLAW_HOME: ocHome } }).stateDir,
        path.join(ocHome, '.openclaw'),
      );
      fs.mkdirSync(path.join(ocHome, '.clawdbot'));
      assert.equal(
        resolvePaths({ env: { HOME: home, OPENCLAW_HOME: ocHome } }).stateDir,
        path.join(ocHome, '.clawdbot'),
      );
      const sd = path.join(root, 'explicit');
      assert.equal(resolvePaths({ env: { HOME: home, OPENCLAW_STATE_DIR: sd } }).stateDir, sd);
    });
  });

  describe('resolvePaths: OPENCLAW_CONFIG_PATH', () => {
    it('overrides <stateDir>/openclaw.json, with ~ expanded; the state dir is unchanged', () => {
      const p = resolvePaths({ env: { HOME: home, OPENCLAW_CONFIG_PATH: '~/cfg/my.json' } });
      assert.equal(p.configPath, path.join(home, 'cfg', 'my.json'));
      assert.equal(p.stateDir, path.join(home, '.openclaw'));
      const abs = path.join(root, 'abs.json');
      assert.equal(resolvePaths({ env: { HOME: home, OPENCLAW_CONFIG_PATH: ` ${abs} ` } }).configPath, abs);
    });

    it('follows OPENCLAW_STATE_DIR when not set', () => {
      const sd = path.join(root, 'sd');
      assert.equal(
        resolvePaths({ env: { HOME: home, OPENCLAW_STATE_DIR: sd } }).configPath,
        path.join(sd, 'openclaw.json'),
      );
    });
  });

  describe('displayPath', () => {
    it('paths under home print as ~/...', () => {
      assert.equal(
        displayPath(path.join(home, '.openclaw', 'state', 'openclaw.sqlite'), home),
        '~/.openclaw/state/openclaw.sqlite',
      );
    });

    it('paths outside home, and siblings that only share a prefix, are printed unchanged', () => {
      const outside = path.join(root, 'elsewhere', 'x.sqlite');
      assert.equal(displayPath(outside, home), outside);
      const sibling = `${home}2/.openclaw/openclaw.json`;
      assert.equal(displayPath(sibling, home), sibling);
    });
  });

  describe('agentDir', () => {
    it('defaults to <stateDir>/agents/<id>/agent', () => {
      const p = resolvePaths({ env: { HOME: home } });
      assert.equal(
        agentDir(p, 'work', undefined, { HOME: home }),
        path.join(home, '.openclaw', 'agents', 'work', 'agent'),
      );
      assert.equal(
        agentDir(p, 'work', '  ', { HOME: home }),
        path.join(home, '.openclaw', 'agents', 'work', 'agent'),
        'blank config value ignored',
      );
    });

    it('a configured agentDir is used, with ~ expanded against the effective home', () => {
      const p = resolvePaths({ env: { HOME: home } });
      assert.equal(agentDir(p, 'work', '~/agents/w', { HOME: home }), path.join(home, 'agents', 'w'));
      const abs = path.join(root, 'agent-abs');
      assert.equal(agentDir(p, 'work', abs, { HOME: home }), abs);
      const q = resolvePaths({ env: { HOME: home, OPENCLAW_HOME: ocHome } });
      assert.equal(
        agentDir(q, 'work', '~/agents/w', { HOME: home, OPENCLAW_HOME: ocHome }),
        path.join(ocHome, 'agents', 'w'),
      );
    });

    it('the default follows a custom state dir', () => {
      const sd = path.join(root, 'sd');
      const p = resolvePaths({ env: { HOME: home, OPENCLAW_STATE_DIR: sd } });
      assert.equal(agentDir(p, 'main', undefined, { HOME: home }), path.join(sd, 'agents', 'main', 'agent'));
    });
  });
});
