/** The probe and credential-action commands (merged into the owner's table). */
import type { CommandTable } from '../context';
import type { CredentialActions } from './actions';
import type { ProbeController } from './controller';

export function probeCommands(c: ProbeController, k: CredentialActions): CommandTable {
  return {
    'openclawAuth.checkCredentials': (a) => c.check(a),
    'openclawAuth.probeAll': (a) => c.probe(a, 'all'),
    'openclawAuth.probeProvider': (a) => c.probe(a, 'provider'),
    'openclawAuth.probeProfile': (a) => c.probe(a, 'profile'),
    'openclawAuth.showProbeReport': () => c.showReport(),
    'openclawAuth.cancelProbe': () => c.cancel(),
    'openclawAuth.exportProbeJson': () => c.exportJson(),
    'openclawAuth.showRotationChain': (a) => k.showRotationChain(a),
    'openclawAuth.addRotationKey': (a) => k.addRotationKey(a),
    'openclawAuth.removeRotationKey': (a) => k.removeRotationKey(a),
    'openclawAuth.resetCooldown': (a) => k.resetCooldown(a),
    'openclawAuth.copyPinCommand': (a) => k.copyPinCommand(a),
  };
}
