// Times every store operation for the metrics, once for the whole store (src/main.ts wraps the store it opened, before
// the app and the workers get it) instead of in each store implementation: each port of the Store becomes a proxy
// whose methods observe how long the promise they return takes to settle, labelled with the port and the method name.
// The proxies keep one wrapper per method, so a call costs two clock readings and a histogram observation.
import type { Store } from '../store/tenant-store';
import type { Metrics } from './metrics';

type Observer = Pick<Metrics, 'observeStoreOperation'>;
type AnyFunction = (...args: unknown[]) => unknown;

const seconds = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e9;

function timed(port: string, operation: string, call: AnyFunction, target: object, observer: Observer): AnyFunction {
  return (...args: unknown[]) => {
    const started = process.hrtime.bigint();
    let result: unknown;
    try {
      result = call.apply(target, args);
    } catch (error) {
      observer.observeStoreOperation(port, operation, seconds(started), true);
      throw error;
    }
    if (result instanceof Promise) {
      return result.then(
        (value: unknown) => {
          observer.observeStoreOperation(port, operation, seconds(started), false);
          return value;
        },
        (error: unknown) => {
          observer.observeStoreOperation(port, operation, seconds(started), true);
          throw error;
        },
      );
    }
    observer.observeStoreOperation(port, operation, seconds(started), false);
    return result;
  };
}

/** The object with each of its methods timed under `port`. */
function instrumentPort<T extends object>(port: string, target: T, observer: Observer): T {
  const wrappers = new Map<PropertyKey, AnyFunction>();
  return new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver) as unknown;
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      let wrapper = wrappers.get(property);
      if (!wrapper) {
        wrapper = timed(port, property, value as AnyFunction, object, observer);
        wrappers.set(property, wrapper);
      }
      return wrapper;
    },
  });
}

/** The store with every port's operations timed (port label: the Store property; `store` for its own methods). */
export function instrumentStore<S extends Store>(store: S, observer: Observer): S {
  const ports = new Map<PropertyKey, object>();
  return new Proxy(store, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver) as unknown;
      if (typeof property !== 'string' || value === null || (typeof value !== 'object' && typeof value !== 'function')) return value;
      // Not an operation: asked by every response (http/middleware/hold-until-durable.ts), it reads a variable.
      if (property === 'durable') return value;
      let wrapped = ports.get(property);
      if (!wrapped) {
        wrapped = typeof value === 'function' ? timed('store', property, value as AnyFunction, object, observer) : instrumentPort(property, value, observer);
        ports.set(property, wrapped);
      }
      return wrapped;
    },
  });
}
