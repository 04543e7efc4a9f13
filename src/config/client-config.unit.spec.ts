import { loadClientConfig } from './client-config.js';
import { ConfigurationError } from './environment.js';

describe('loadClientConfig', () => {
  it('defaults to the local service and no token', () => {
    expect(loadClientConfig({})).toEqual({ serviceUrl: 'http://localhost:3000', token: undefined });
    expect(loadClientConfig({ VIDEO_GEN_URL: ' ', VIDEO_GEN_TOKEN: '  ' })).toEqual({
      serviceUrl: 'http://localhost:3000',
      token: undefined,
    });
  });

  it('reads VIDEO_GEN_URL without its trailing slash and the token without a pasted scheme', () => {
    expect(
      loadClientConfig({
        VIDEO_GEN_URL: 'https://api.example.com/video/',
        VIDEO_GEN_TOKEN: 'Bearer eyJ.a.b\n',
      }),
    ).toEqual({ serviceUrl: 'https://api.example.com/video', token: 'eyJ.a.b' });
  });

  it('refuses a URL the command line cannot call', () => {
    for (const url of ['localhost:3000', 'ftp://files.example', 'not a url']) {
      expect(() => loadClientConfig({ VIDEO_GEN_URL: url })).toThrow(ConfigurationError);
    }
    expect(() => loadClientConfig({ VIDEO_GEN_URL: 'localhost:3000' })).toThrow(
      'VIDEO_GEN_URL="localhost:3000": must be an http(s) URL such as http://localhost:3000',
    );
  });
});
