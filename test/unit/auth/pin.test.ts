import assert from 'node:assert/strict';
import { buildPinCommand, parsePinCommand, splitTrailingAuthProfile, PinError } from '../../../src/auth/pin';

describe('chat pinning (/model …@profile)', () => {
  it('splits on the first @ after the last /, as openclaw does', () => {
    assert.deepEqual(splitTrailingAuthProfile('anthropic/claude-opus@anthropic:work'), {
      model: 'anthropic/claude-opus',
      profile: 'anthropic:work',
    });
    assert.deepEqual(splitTrailingAuthProfile('opus@anthropic:work'), { model: 'opus', profile: 'anthropic:work' });
    assert.deepEqual(splitTrailingAuthProfile('openai/gpt-5@openai:me@example.com'), {
      model: 'openai/gpt-5',
      profile: 'openai:me@example.com',
    });
    assert.deepEqual(
      splitTrailingAuthProfile('vertex/claude@20250101'),
      { model: 'vertex/claude@20250101' },
      'a date suffix is not a profile',
    );
    assert.deepEqual(splitTrailingAuthProfile('vertex/claude@20250101@anthropic:x'), {
      model: 'vertex/claude@20250101',
      profile: 'anthropic:x',
    });
    assert.deepEqual(splitTrailingAuthProfile('ollama/llama3@q4_0'), { model: 'ollama/llama3@q4_0' });
    assert.deepEqual(splitTrailingAuthProfile('mlx/qwen@4bit@mlx:local'), {
      model: 'mlx/qwen@4bit',
      profile: 'mlx:local',
    });
    assert.deepEqual(
      splitTrailingAuthProfile('a@b/c'),
      { model: 'a@b/c' },
      'an @ before the last / is part of the model',
    );
  });

  it('builds the pin command and reads it back', () => {
    assert.equal(buildPinCommand('opus', 'anthropic:work'), '/model opus@anthropic:work -s');
    assert.equal(
      buildPinCommand('openai/gpt-5', 'openai:me@example.com', { persist: false }),
      '/model openai/gpt-5@openai:me@example.com',
    );
    const quoted = buildPinCommand('opus', 'anthropic:my team');
    assert.equal(quoted, '/model opus@"anthropic:my team" -s');
    assert.deepEqual(parsePinCommand(quoted), { model: 'opus', profileId: 'anthropic:my team', persist: true });
    assert.deepEqual(parsePinCommand('/model default -s'), { model: 'default', profileId: undefined, persist: true });
    assert.equal(parsePinCommand('hello'), undefined);
  });

  it('refuses strings openclaw would read differently', () => {
    assert.throws(() => buildPinCommand('', 'a:b'), PinError);
    assert.throws(() => buildPinCommand('opus', ' '), PinError);
    assert.throws(
      () => buildPinCommand('ollama/llama3', 'q4_0'),
      PinError,
      'a quantization-looking id would be read as part of the model',
    );
    assert.throws(() => buildPinCommand('my model', 'a:b'), PinError);
  });
});
